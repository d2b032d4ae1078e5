package dev.metareward.cluster.cli;

import dev.metareward.cluster.run.OuterLossLog;
import dev.metareward.cluster.run.Progress;
import dev.metareward.cluster.soak.AppliedUpdates;
import dev.metareward.cluster.soak.OffHeapProbe;
import dev.metareward.cluster.soak.ProcessMemory;
import dev.metareward.cluster.soak.SoakFiles;
import dev.metareward.cluster.soak.SoakSample;
import dev.metareward.cluster.soak.SoakVerdict;
import dev.metareward.config.MetarewardConfig;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metareward soak}: the local multi-process run of a cluster config (the nodes {@code launch-local} starts)
 * for a fixed time, sampling every node's memory and the run's throughput, then a CSV, a plot and a verdict.
 *
 * <p>The run must outlast the soak, so outer.steps is overridden with {@link #ENDLESS_STEPS} (after the user's own
 * --set): the coordinator never reaches its target and the nodes train until the soak stops them (SIGTERM). Should
 * the run end anyway (a coordinator failed), the soak counts a restart and launches it again with --resume, from
 * its newest checkpoint, until the time is up.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run every node of a cluster config as a local process (as launch-local) for --minutes, with outer.steps "
                    + "raised so that training goes on the whole time (a run that ends early is resumed and counted "
                    + "as a restart). Every --interval seconds it samples the run's throughput (updates of phi per "
                    + "second, from outer-loss.tsv), every process's resident memory (VmRSS of /proc/PID/status) and, "
                    + "for nodes given with --metrics, ND4J's off-heap bytes from their Prometheus endpoint.",
            "Writes soak.csv, soak.png and nodes.log (the nodes' output) to --out and ends with a verdict line: "
                    + "throughput trend, memory drift per hour after the warm-up, restarts; PASS when RSS grows at "
                    + "most 5% and throughput falls at most 10% after the warm-up and nothing restarted."})
final class SoakCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SoakCommand.class);

    /** outer.steps of a soak: far more updates than any soak applies, so the run never ends by itself. */
    static final int ENDLESS_STEPS = 1_000_000_000;
    /** A supervised restart (Pekko's restart supervisor logs this for every failure it restarts on). */
    private static final String SUPERVISED_RESTART = "saw failure";

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--minutes", paramLabel = "M", required = true,
            description = "How long the run is watched, in minutes (fractions allowed).")
    double minutes;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between samples (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = "--warmup-minutes", paramLabel = "W",
            description = "Samples of the first W minutes are plotted but not judged (JIT, first checkpoints and "
                    + "evaluations; default: 20% of --minutes, at most 10).")
    Double warmupMinutes;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where soak.csv, soak.png and nodes.log go (default: run.output-dir/soak).")
    Path out;

    @Option(names = "--metrics", paramLabel = "NODE=URL",
            description = "A node's Prometheus endpoint (e.g. coord=http://127.0.0.1:9400/metrics), repeatable; its "
                    + "ND4J off-heap gauge (JavaCPP total bytes, docs/METRICS.md) is sampled. Nodes without one "
                    + "show n/a.")
    Map<String, URI> metrics = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException, IOException {
        double warmup = validatedWarmupMinutes();
        List<String> overrides = new ArrayList<>(configOptions.overrides);
        overrides.add("outer.steps=" + ENDLESS_STEPS);
        MetarewardConfig config = soakConfig(overrides);
        Path dir = out != null ? out : config.run().outputDir().resolve("soak");
        PrintWriter console = spec.commandLine().getOut();
        console.printf(Locale.ROOT, "soak of %s for %.1f min (warm-up %.1f min), a sample every %.1f s; load average "
                + "%s; files in %s%n", configOptions.file, minutes, warmup, intervalSeconds, loadAverage(), dir);
        console.flush();
        List<SoakSample> samples = new ArrayList<>();
        AtomicInteger restarts = new AtomicInteger();
        try (SoakFiles files = new SoakFiles(dir); BufferedWriter log = Files.newBufferedWriter(
                dir.resolve("nodes.log"), StandardCharsets.UTF_8)) {
            LocalCluster.LineSink sink = nodeLog(log, restarts);
            AppliedUpdates updates = new AppliedUpdates(config.run().outputDir().resolve(OuterLossLog.FILE));
            OffHeapProbe probe = new OffHeapProbe();
            AtomicBoolean stopping = new AtomicBoolean();
            Thread onSignal = new Thread(() -> stopping.set(true), "soak-stop");
            Runtime.getRuntime().addShutdownHook(onSignal); // Ctrl-C: the nodes stop, the soak must not resume them
            LocalCluster cluster = LocalCluster.start(config, configOptions.file, overrides, false, sink);
            // The clock starts once data and base are prepared and the nodes are started: the soak is M minutes of
            // the nodes' life, their start-up being part of the warm-up.
            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            long interval = (long) (intervalSeconds * 1e9);
            try (Progress progress = new Progress("soak", (end - start) / interval)) {
                for (long next = start + interval; next <= end; next += interval) {
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                    if (System.nanoTime() - next > interval) {
                        next = System.nanoTime(); // far behind (a loaded machine): skip ticks instead of bunching
                    }
                    if (stopping.get()) {
                        break;
                    }
                    if (cluster.runStatus().isPresent()) {
                        restarts.incrementAndGet();
                        LOG.warn("the run ended before the soak (status {}); resuming it from its newest checkpoint",
                                cluster.runStatus().get());
                        cluster.close();
                        cluster = LocalCluster.start(config, configOptions.file, overrides, true, sink);
                    }
                    SoakSample sample = sample((System.nanoTime() - start) / 1e9, updates.count(), restarts.get(),
                            cluster, probe);
                    samples.add(sample);
                    files.append(sample);
                    synchronized (log) {
                        log.flush();
                    }
                    progress.step(String.format(Locale.ROOT, "%d updates, RSS %s", sample.updates(),
                            rssSummary(sample)));
                }
            } finally {
                cluster.close();
                removeHook(onSignal);
                synchronized (log) {
                    log.flush();
                }
            }
            Path png = files.plot(samples, warmup * 60);
            SoakVerdict verdict = SoakVerdict.of(samples, warmup * 60);
            console.printf(Locale.ROOT, "%d samples in %s and %s; nodes' output in %s; load average at the end %s%n",
                    samples.size(), dir.resolve(SoakFiles.CSV), png, dir.resolve("nodes.log"), loadAverage());
            console.println(verdict.line());
            console.flush();
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the soak's files in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The options checked against each other; returns the warm-up in minutes. */
    private double validatedWarmupMinutes() {
        if (!(minutes > 0) || minutes > 7 * 24 * 60) {
            throw new UserInputException("--minutes must be in (0, 10080] but was " + minutes);
        }
        if (!(intervalSeconds >= 0.5) || intervalSeconds > minutes * 60 / 4) {
            throw new UserInputException("--interval must be at least 0.5 s and leave at least 4 samples in "
                    + "--minutes " + minutes + " but was " + intervalSeconds);
        }
        double warmup = warmupMinutes != null ? warmupMinutes : Math.min(10, minutes * 0.2);
        if (warmup < 0 || warmup >= minutes) {
            throw new UserInputException("--warmup-minutes must be in [0, --minutes) but was " + warmup);
        }
        return warmup;
    }

    /** The cluster config with the soak's overrides, every --metrics node checked against its nodes. */
    private MetarewardConfig soakConfig(List<String> overrides) {
        if (configOptions.file == null) {
            throw new UserInputException("missing --config FILE: name a cluster config, e.g. --config "
                    + "config/cluster-local.conf");
        }
        MetarewardConfig config = MetarewardConfig.load(configOptions.file, overrides);
        for (String node : metrics.keySet()) {
            if (config.cluster().node(node).isEmpty()) {
                throw new UserInputException("--metrics names node \"" + node + "\", which is not among cluster.nodes "
                        + "of " + configOptions.file);
            }
        }
        return config;
    }

    /** Writes every node's output line to {@code log} and counts the supervised restarts among them. */
    private static LocalCluster.LineSink nodeLog(BufferedWriter log, AtomicInteger restarts) {
        return (node, line) -> {
            if (line.contains(SUPERVISED_RESTART)) {
                restarts.incrementAndGet();
            }
            synchronized (log) {
                try {
                    log.write("[" + node + "] " + line + "\n");
                } catch (IOException e) {
                    // the node log is a convenience; the samples go on
                }
            }
        };
    }

    private SoakSample sample(double seconds, long updates, int restarts, LocalCluster cluster, OffHeapProbe probe) {
        List<SoakSample.Node> nodes = new ArrayList<>();
        for (LocalCluster.NodeProcess node : cluster.nodes()) {
            String name = node.node().name();
            long pid = node.process().pid();
            long rss = node.process().isAlive() ? ProcessMemory.residentBytes(pid).orElse(-1) : -1;
            URI endpoint = metrics.get(name);
            OptionalDouble offHeap = endpoint == null ? OptionalDouble.empty() : probe.offHeapBytes(endpoint);
            nodes.add(new SoakSample.Node(name, pid, rss, offHeap.orElse(Double.NaN)));
        }
        return new SoakSample(seconds, updates, restarts, nodes);
    }

    private static String rssSummary(SoakSample sample) {
        List<String> parts = new ArrayList<>();
        for (SoakSample.Node n : sample.nodes()) {
            parts.add(n.name() + " " + (n.residentBytes() < 0 ? "-" : (n.residentBytes() >> 20) + " MB"));
        }
        return String.join(", ", parts);
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting anyway
        }
    }

    /** The 1, 5 and 15 minute load averages (a soak shares the machine; its figures depend on them). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
