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
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node of a cluster config as a local child process: what {@code launch-local} runs and {@code soak} watches.
 * {@link #start} checks that every node is local, prepares the output folder, the data and the base warm start (the
 * nodes then load them instead of racing to compute them), makes a random run secret when the file names none, and
 * starts one child JVM per node whose output lines go to a {@link LineSink}. {@link #close()} stops every node still
 * running (SIGTERM, then SIGKILL after 30 s).
 */
final class LocalCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    /** Receives every output line of every node; called on one copier thread per node. */
    @FunctionalInterface
    interface LineSink {
        void line(String node, String line);
    }

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Thread hook;

    private LocalCluster() {
        hook = new Thread(() -> stopAll("the launcher is stopping"), "local-cluster-stop");
    }

    /**
     * Starts the nodes of {@code config} (loaded from {@code file} with {@code overrides}, which every node gets
     * too).
     *
     * @param resume continue from the newest checkpoint of run.output-dir instead of moving it aside
     * @throws UserInputException when the config is not a cluster or names a node that is not on this machine
     */
    static LocalCluster start(MetarewardConfig config, Path file, List<String> overrides, boolean resume,
                              LineSink sink) {
        ClusterSettings cluster = config.cluster();
        if (!cluster.enabled()) {
            throw new UserInputException("this command starts the nodes of a cluster, but cluster.enabled = false in "
                    + file + "; run `metareward train` for a single-process run");
        }
        for (NodeSettings node : cluster.nodes()) {
            if (!isLocal(node.host())) {
                throw new UserInputException("every node must run on this machine, but node \"" + node.name()
                        + "\" has host " + node.host() + ", which is not an address of this machine; start it there "
                        + "with `metareward node --config FILE --node " + node.name() + "`");
            }
        }
        OutputFolder.prepare(config.run().outputDir(), resume);
        PreparedRun.prepare(config);
        Map<String, String> env = secretEnvironment(cluster);
        LocalCluster launched = new LocalCluster();
        Runtime.getRuntime().addShutdownHook(launched.hook);
        try {
            for (NodeSettings node : cluster.nodes()) {
                launched.nodes.add(NodeProcess.start(node, nodeArgs(file, node, overrides), env, sink));
            }
            return launched;
        } catch (RuntimeException e) {
            launched.close();
            throw e;
        }
    }

    /** The started nodes, in the order of the config file. */
    List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** The exit status of the run once a coordinator-role node has ended it (or all have failed), else empty. */
    Optional<Integer> runStatus() {
        List<NodeProcess> coordinators = nodes.stream().filter(n -> n.node().hasRole(NodeSettings.COORDINATOR))
                .toList();
        boolean anyAlive = false;
        for (NodeProcess node : coordinators) {
            if (node.process().isAlive()) {
                anyAlive = true;
            } else if (node.process().exitValue() == 0) {
                return Optional.of(0);
            }
        }
        return anyAlive ? Optional.empty() : Optional.of(coordinators.get(0).process().exitValue());
    }

    /**
     * Waits until a coordinator-role node exits (or all of them fail), then gives the other nodes {@code grace} to
     * exit; returns 0 when a coordinator-role node completed the run, else the first one's status.
     */
    int awaitRunEnd(Duration grace) throws InterruptedException {
        Optional<Integer> status;
        while ((status = runStatus()).isEmpty()) {
            Thread.sleep(200);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (NodeProcess node : nodes) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!node.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                LOG.warn("node {} is still running {} s after the run ended; stopping it", node.node().name(),
                        grace.toSeconds());
            }
        }
        for (NodeProcess node : nodes) {
            if (!node.process().isAlive()) {
                LOG.info("node {} exited with status {}", node.node().name(), node.process().exitValue());
            }
        }
        return status.get();
    }

    /** Stops every node still running: SIGTERM (final checkpoint), SIGKILL after 30 s. */
    void stopAll(String why) {
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

    @Override
    public void close() {
        stopAll("the run has ended");
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and stops the nodes itself
        }
    }

    private static List<String> nodeArgs(Path file, NodeSettings node, List<String> overrides) {
        List<String> args = new ArrayList<>(List.of("node", "--config", file.toString(), "--node", node.name(),
                "--exit-with", Long.toString(ProcessHandle.current().pid())));
        for (String override : overrides) {
            args.add("--set");
            args.add(override);
        }
        return args;
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

    /** One started node and the thread that hands its output lines to the sink. */
    record NodeProcess(NodeSettings node, Process process) {

        static NodeProcess start(NodeSettings node, List<String> args, Map<String, String> env, LineSink sink) {
            ProcessBuilder builder = ChildJvm.builder(MetarewardCli.class.getName(), args, env)
                    .redirectErrorStream(true);
            try {
                Process process = builder.start();
                Thread copier = new Thread(() -> copyLines(node.name(), process, sink), "log-" + node.name());
                copier.setDaemon(true);
                copier.start();
                LOG.info("started node {} (pid {}, roles {})", node.name(), process.pid(), node.roles());
                return new NodeProcess(node, process);
            } catch (IOException e) {
                throw new UncheckedIOException("could not start node " + node.name() + ": " + e.getMessage(), e);
            }
        }

        private static void copyLines(String name, Process process, LineSink sink) {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.line(name, line);
                }
            } catch (IOException e) {
                sink.line(name, "(log closed: " + e.getMessage() + ")");
            }
        }
    }
}
