package dev.metareward.cluster.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metareward.cluster.run.OuterLossLog;
import dev.metareward.cluster.soak.AppliedUpdates;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.NodeSettings;
import dev.metareward.tensors.bench.HostCpu;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metareward bench scaling}: the local multi-process run of a cluster config with its first worker node
 * only, then with its first two, real compute in both; versions of phi per second of each and their ratio.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a cluster config's nodes as local processes (as launch-local) twice: with only its first "
                    + "worker-role node, then with its first two, every other node kept; the domains are shared out "
                    + "among the worker nodes as usual. Each run trains (outer.steps raised so it cannot end) until "
                    + "its first update, then --warmup seconds, then counts updates of phi for --seconds.",
            "Prints versions/s of both and their ratio (2 workers / 1; on a machine with fewer free cores than "
                    + "worker processes expect about 1), then one JSON line. A small model is the point: e.g. "
                    + "--config config/cluster-tiny.conf."})
final class BenchScalingCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(BenchScalingCommand.class);
    private static final long FIRST_UPDATE_TIMEOUT_NS = 15L * 60 * 1_000_000_000L;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "60",
            description = "Measured time of each run (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "20",
            description = "Time after a run's first update before measuring (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folders of the two runs (default: run.output-dir/bench-scaling).")
    Path out;

    @Spec
    CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run: its worker processes and what it measured. */
    record Run(int workers, long updates, double seconds) {
        double versionsPerSecond() {
            return updates / seconds;
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!(seconds > 0) || seconds > 3600 || !(warmup >= 0) || warmup > 3600) {
            throw new UserInputException("--seconds must be in (0, 3600] and --warmup in [0, 3600] but were "
                    + seconds + " and " + warmup);
        }
        MetarewardConfig config = configOptions.load();
        List<NodeSettings> workers = config.cluster().nodes().stream()
                .filter(n -> n.roles().equals(List.of(NodeSettings.WORKER))).toList();
        if (!config.cluster().enabled() || workers.size() < 2) {
            throw new UserInputException("bench scaling needs a cluster config (cluster.enabled = true) with at least "
                    + "two nodes whose only role is worker, but " + configOptions.file + " has " + workers.size()
                    + "; e.g. --config config/cluster-tiny.conf");
        }
        Path dir = out != null ? out : config.run().outputDir().resolve("bench-scaling");
        String loadBefore = SoakCommand.loadAverage();
        List<Run> runs = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
            runs.add(measure(config, workers.subList(k, workers.size()), k, dir.resolve("workers-" + k)));
        }
        double ratio = runs.get(1).versionsPerSecond() / runs.get(0).versionsPerSecond();
        PrintWriter console = spec.commandLine().getOut();
        console.printf(Locale.ROOT, "%nbench scaling: %s, %d training domain(s), %s mode; %d processors, load average "
                        + "%s at the start and %s at the end; %s; %.0f s measured after the first update + %.0f s%n",
                configOptions.file, config.data().trainingDomains().size(), config.training().mode().name()
                        .toLowerCase(Locale.ROOT), Runtime.getRuntime().availableProcessors(), loadBefore,
                SoakCommand.loadAverage(), LocalDate.now(), seconds, warmup);
        console.printf(Locale.ROOT, "%-18s %10s %12s%n", "worker processes", "updates", "versions/s");
        for (Run r : runs) {
            console.printf(Locale.ROOT, "%-18d %10d %12.3f%n", r.workers(), r.updates(), r.versionsPerSecond());
        }
        console.printf(Locale.ROOT, "ratio 2 / 1 worker processes: %.2f%n", ratio);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "scaling");
        m.put("cpu", HostCpu.current().label());
        m.put("config", configOptions.file.toString());
        m.put("training_domains", config.data().trainingDomains().size());
        m.put("mode", config.training().mode().name().toLowerCase(Locale.ROOT));
        m.put("seconds", seconds);
        m.put("workers_1_updates", runs.get(0).updates());
        m.put("workers_1_versions_per_s", runs.get(0).versionsPerSecond());
        m.put("workers_2_updates", runs.get(1).updates());
        m.put("workers_2_versions_per_s", runs.get(1).versionsPerSecond());
        m.put("ratio", ratio);
        m.put("processors", Runtime.getRuntime().availableProcessors());
        m.put("load_average", loadBefore);
        try {
            console.println(JSON.writeValueAsString(m));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("could not write the bench result as JSON", e);
        }
        console.flush();
        return 0;
    }

    /** Runs the config without the worker nodes {@code dropped}; the updates of phi in the measured window. */
    private Run measure(MetarewardConfig config, List<NodeSettings> dropped, int workers, Path output)
            throws InterruptedException {
        List<String> overrides = new ArrayList<>(configOptions.overrides);
        overrides.add("cluster.nodes=" + config.cluster().nodes().stream().filter(n -> !dropped.contains(n))
                .map(BenchScalingCommand::hocon).collect(Collectors.joining(", ", "[", "]")));
        overrides.add("outer.steps=" + SoakCommand.ENDLESS_STEPS);
        overrides.add("run.output-dir=\"" + output + "\"");
        MetarewardConfig run = MetarewardConfig.load(configOptions.file, overrides);
        try {
            Files.createDirectories(output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + output + ": " + e.getMessage(), e);
        }
        AppliedUpdates updates = new AppliedUpdates(output.resolve(OuterLossLog.FILE));
        try (BufferedWriter log = Files.newBufferedWriter(output.resolve("nodes.log"), StandardCharsets.UTF_8);
             LocalCluster cluster = LocalCluster.start(run, configOptions.file, overrides, false,
                     (node, line) -> write(log, "[" + node + "] " + line))) {
            LOG.info("{} worker process(es): waiting for the first update (nodes' output in {})", workers,
                    output.resolve("nodes.log"));
            long deadline = System.nanoTime() + FIRST_UPDATE_TIMEOUT_NS;
            while (updates.count() == 0) {
                if (cluster.runStatus().isPresent() || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the run with " + workers + " worker process(es) applied no "
                            + "update (" + (cluster.runStatus().isPresent() ? "it ended with status "
                            + cluster.runStatus().get() : "within 15 min") + "); see " + output.resolve("nodes.log"));
                }
                Thread.sleep(500);
            }
            Thread.sleep((long) (warmup * 1000));
            long before = updates.count();
            long start = System.nanoTime();
            LOG.info("{} worker process(es): measuring for {} s", workers, seconds);
            Thread.sleep((long) (seconds * 1000));
            long counted = updates.count() - before;
            return new Run(workers, counted, (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output.resolve("nodes.log") + ": " + e.getMessage(), e);
        }
    }

    private static void write(BufferedWriter log, String line) {
        synchronized (log) {
            try {
                log.write(line);
                log.newLine();
                log.flush();
            } catch (IOException e) {
                // the nodes' log is a convenience; the measurement goes on
            }
        }
    }

    /** A node of the config file as a HOCON object, for the cluster.nodes override. */
    private static String hocon(NodeSettings n) {
        return String.format(Locale.ROOT, "{ name = \"%s\", host = \"%s\", port = %d, aeron-port = %d, roles = %s, "
                        + "gpus = %s, domains = %s }", n.name(), n.host(), n.port(), n.aeronPort(), quoted(n.roles()),
                n.gpus(), quoted(n.domains()));
    }

    private static String quoted(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
}
