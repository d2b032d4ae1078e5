package dev.metareward.cluster.cli;

import dev.metareward.cluster.node.ChildJvm;
import dev.metareward.cluster.run.OutputFolder;
import dev.metareward.cluster.run.PreparedRun;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.NodeSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metareward launch-local}: every node of the config file as a local process, logs prefixed with the node's
 * name. Data and the base warm start are prepared here first (the nodes then load them from the shared folders
 * instead of racing to compute them), and a random run secret is made when the file names none. The nodes'
 * coordinator resumes from the newest checkpoint of run.output-dir, so a new launch first moves earlier checkpoints
 * aside unless --resume. It stops every
 * node on Ctrl-C, and once a coordinator-role node has ended the run (the others end with it; any still alive
 * after --grace are stopped). Exit status: 0 when a coordinator-role node completed the run, otherwise the first
 * coordinator-role node's failing status.
 */
@Command(name = "launch-local", mixinStandardHelpOptions = true,
        description = "Start every node of a cluster config as a local process (prefixed logs); stop them all on "
                + "Ctrl-C or when the run ends; exit with the coordinator's status.")
final class LaunchLocalCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LaunchLocalCommand.class);

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "60",
            description = "After the run ended, how long nodes may take to exit before they are stopped "
                    + "(default: ${DEFAULT-VALUE}).")
    long graceSeconds;

    @Option(names = "--resume", description = "Continue the run in run.output-dir from its newest valid checkpoint. "
            + "Without it the run starts at version 0 and earlier checkpoints move to checkpoints.previous/.")
    boolean resume;

    @Override
    public Integer call() throws InterruptedException {
        MetarewardConfig config = configOptions.load();
        ClusterSettings cluster = config.cluster();
        if (!cluster.enabled()) {
            throw new UserInputException("launch-local starts the nodes of a cluster, but cluster.enabled = false in "
                    + configOptions.file + "; run `metareward train` for a single-process run");
        }
        for (NodeSettings node : cluster.nodes()) {
            if (!isLocal(node.host())) {
                throw new UserInputException("launch-local runs every node on this machine, but node \"" + node.name()
                        + "\" has host " + node.host() + ", which is not an address of this machine; start it there "
                        + "with `metareward node --config FILE --node " + node.name() + "`");
            }
        }
        OutputFolder.prepare(config.run().outputDir(), resume);
        PreparedRun.prepare(config);
        Map<String, String> env = secretEnvironment(cluster);

        List<NodeProcess> nodes = new ArrayList<>();
        Thread hook = new Thread(() -> stopAll(nodes, "launch-local is stopping"), "launch-local-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (NodeSettings node : cluster.nodes()) {
                nodes.add(NodeProcess.start(node, nodeArgs(node), env));
            }
            return awaitRunEnd(nodes);
        } finally {
            stopAll(nodes, "the run has ended");
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and stops the nodes itself
            }
        }
    }

    private List<String> nodeArgs(NodeSettings node) {
        List<String> args = new ArrayList<>(List.of("node", "--config", configOptions.file.toString(),
                "--node", node.name(), "--exit-with", Long.toString(ProcessHandle.current().pid())));
        for (String override : configOptions.overrides) {
            args.add("--set");
            args.add(override);
        }
        return args;
    }

    /** Waits until a coordinator-role node exits (or all of them fail), then gives the rest the grace period. */
    private int awaitRunEnd(List<NodeProcess> nodes) throws InterruptedException {
        List<NodeProcess> coordinators = nodes.stream().filter(n -> n.node().hasRole(NodeSettings.COORDINATOR))
                .toList();
        Optional<Integer> status = Optional.empty();
        while (status.isEmpty()) {
            boolean anyCoordinatorAlive = false;
            for (NodeProcess node : coordinators) {
                if (node.process().isAlive()) {
                    anyCoordinatorAlive = true;
                } else if (node.process().exitValue() == 0) {
                    status = Optional.of(0);
                }
            }
            if (status.isEmpty() && !anyCoordinatorAlive) {
                status = Optional.of(coordinators.get(0).process().exitValue());
            }
            if (status.isEmpty()) {
                Thread.sleep(200);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(graceSeconds).toNanos();
        for (NodeProcess node : nodes) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!node.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                LOG.warn("node {} is still running {} s after the run ended; stopping it", node.node().name(),
                        graceSeconds);
            }
        }
        for (NodeProcess node : nodes) {
            if (!node.process().isAlive()) {
                LOG.info("node {} exited with status {}", node.node().name(), node.process().exitValue());
            }
        }
        return status.get();
    }

    private static void stopAll(List<NodeProcess> nodes, String why) {
        List<NodeProcess> alive = nodes.stream().filter(n -> n.process().isAlive()).toList();
        if (alive.isEmpty()) {
            return;
        }
        LOG.info("{}: stopping node(s) {}", why, alive.stream().map(n -> n.node().name()).toList());
        alive.forEach(n -> n.process().destroy());
        for (NodeProcess node : alive) {
            try {
                if (!node.process().waitFor(30, TimeUnit.SECONDS)) {
                    node.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                node.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The run secret for the children: none to add when the file or environment has one, else a random one. */
    private static Map<String, String> secretEnvironment(ClusterSettings cluster) {
        if (cluster.secretFile().isPresent() || System.getenv(cluster.secretEnv()) != null) {
            return Map.of();
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        LOG.info("no run secret configured (cluster.secret-file, ${}); made a random one for the nodes of this launch",
                cluster.secretEnv());
        Map<String, String> env = new LinkedHashMap<>();
        env.put(cluster.secretEnv(), HexFormat.of().formatHex(secret));
        return env;
    }

    private static boolean isLocal(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || address.isAnyLocalAddress()
                    || NetworkInterface.getByInetAddress(address) != null;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    /** One started node and the thread that copies its output, each line prefixed with the node's name. */
    record NodeProcess(NodeSettings node, Process process) {

        static NodeProcess start(NodeSettings node, List<String> args, Map<String, String> env) {
            ProcessBuilder builder = ChildJvm.builder(MetarewardCli.class.getName(), args, env)
                    .redirectErrorStream(true);
            try {
                Process process = builder.start();
                Thread copier = new Thread(() -> copyPrefixed(node.name(), process, System.out),
                        "log-" + node.name());
                copier.setDaemon(true);
                copier.start();
                LOG.info("started node {} (pid {}, roles {})", node.name(), process.pid(), node.roles());
                return new NodeProcess(node, process);
            } catch (IOException e) {
                throw new UncheckedIOException("could not start node " + node.name() + ": " + e.getMessage(), e);
            }
        }

        private static void copyPrefixed(String name, Process process, PrintStream out) {
            String prefix = "[" + name + "] ";
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    out.println(prefix + line);
                }
            } catch (IOException e) {
                out.println(prefix + "(log closed: " + e.getMessage() + ")");
            }
        }
    }
}
