package dev.metareward.cluster.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.metareward.metrics.RejectReason;
import dev.metareward.cluster.aeron.CoordinatorBenchmark;
import dev.metareward.cluster.aeron.RunSecret;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bench.HostCpu;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metareward bench coordinator}: updates/s, staleness and contribution-to-applied latency of one real reward
 * coordinator fed by N simulated domains over Aeron UDP loopback, with the coordinator's per-update costs; a table,
 * then one JSON line.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Measure one real reward coordinator (validation, aggregation policy, outer optimizer, checkpoints, phi "
                    + "broadcasts) against N simulated domain workers on another Aeron node over UDP loopback. The "
                    + "simulated domains do no model compute: each sends a valid contribution of phi's size for the "
                    + "newest phi version it has received, as fast as back-pressure allows (or every --compute-ms).",
            "Prints, per N, contributions and applied updates per second, the staleness of applied updates and "
                    + "the rejections, p50/p99/max contribution-to-applied latency, and the CPU time per update of "
                    + "the coordinator's thread and of its node's receiving thread; before that the coordinator's "
                    + "per-update steps timed alone; then where the updates/s stop growing with N and why. The last "
                    + "line is one JSON object with the same figures."})
final class BenchCoordinatorCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(BenchCoordinatorCommand.class);
    /** The latency goal of issue 10 for 64 domains. */
    static final double P99_TARGET_MS = 50;
    /** A thread this busy (share of one core) is saturated. */
    private static final double BUSY = 0.8;

    @Option(names = "--domains", paramLabel = "N", split = ",", defaultValue = "1,4,16,64",
            description = "Numbers of simulated domains, one run each (default: ${DEFAULT-VALUE}).")
    List<Integer> domains;

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "small",
            description = "phi's size: the reward model of the tiny or small bench workload (default: "
                    + "${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--phi-length", paramLabel = "ELEMENTS",
            description = "phi's size in float32 elements, instead of --workload.")
    Long phiLength;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "5",
            description = "Measured time per N (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "2",
            description = "Unmeasured time per N first (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--cost-seconds", paramLabel = "S", defaultValue = "0.5",
            description = "Time spent on each of the per-update steps timed alone (default: ${DEFAULT-VALUE}).")
    double costSeconds;

    @Option(names = "--compute-ms", paramLabel = "MS", defaultValue = "0",
            description = "Simulated compute time of a domain between two contributions (default: ${DEFAULT-VALUE}: "
                    + "none, the protocol's limit).")
    double computeMillis;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "async",
            description = "training.mode of the coordinator: async or sync (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--staleness-bound", paramLabel = "S",
            description = "training.staleness-bound (default: reference.conf's).")
    Integer stalenessBound;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "training.checkpoint-every (default: reference.conf's).")
    Integer checkpointEvery;

    @Option(names = "--term-length", paramLabel = "BYTES", defaultValue = "16777216",
            description = "Term length of the publications (default: ${DEFAULT-VALUE}, as cluster.aeron.term-length).")
    int termLength;

    @Option(names = "--mtu", paramLabel = "BYTES", defaultValue = "8192",
            description = "UDP datagram size (default: ${DEFAULT-VALUE}, as cluster.aeron.mtu).")
    int mtu;

    @Option(names = "--port", paramLabel = "P", defaultValue = "40600",
            description = "First UDP port on 127.0.0.1; each N uses the next four (default: ${DEFAULT-VALUE}).")
    int port;

    @Spec
    CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws InterruptedException {
        if (domains.isEmpty() || domains.stream().anyMatch(n -> n < 1 || n > 4096)) {
            throw new UserInputException("--domains must list numbers in 1..4096 but was " + domains);
        }
        if (!(seconds > 0) || seconds > 600 || !(warmup >= 0) || warmup > 600) {
            throw new UserInputException("--seconds must be in (0, 600] and --warmup in [0, 600] but were " + seconds
                    + " and " + warmup);
        }
        if (!(costSeconds > 0) || costSeconds > 60) {
            throw new UserInputException("--cost-seconds must be in (0, 60] but was " + costSeconds);
        }
        if (!(computeMillis >= 0)) {
            throw new UserInputException("--compute-ms must be 0 or more but was " + computeMillis);
        }
        if (!mode.equals("async") && !mode.equals("sync")) {
            throw new UserInputException("--mode must be async or sync but was '" + mode + "'");
        }
        if (port < 1024 || port + 4 * domains.size() > 65535) {
            throw new UserInputException("--port must leave four UDP ports per N in 1024..65535 but was " + port);
        }
        long length = phiLength();
        MetarewardConfig config = config();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        LOG.info("timing the coordinator's per-update steps on phi of {} elements", length);
        CoordinatorBenchmark.Costs costs = CoordinatorBenchmark.costs(length, config, costSeconds);
        List<CoordinatorBenchmark.Result> results = new ArrayList<>();
        String loadBefore = SoakCommand.loadAverage();
        for (int i = 0; i < domains.size(); i++) {
            CoordinatorBenchmark.Options options = new CoordinatorBenchmark.Options(length, seconds, warmup,
                    computeMillis, config, termLength, mtu, port + 4 * i);
            results.add(CoordinatorBenchmark.run(domains.get(i), options, RunSecret.of(secret), LOG::info));
        }
        Saturation saturation = Saturation.of(results, costs, config.training().stalenessBound());
        PrintWriter out = spec.commandLine().getOut();
        out.print(table(length, config, costs, results, saturation, loadBefore));
        out.println(json(length, config, costs, results, saturation));
        out.flush();
        return 0;
    }

    private long phiLength() {
        if (phiLength != null) {
            if (phiLength < 1 || phiLength > (1L << 28)) {
                throw new UserInputException("--phi-length must be in 1..2^28 but was " + phiLength);
            }
            return phiLength;
        }
        try {
            return BenchTransportCommand.phiLength(workload);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--workload: " + e.getMessage(), e);
        }
    }

    private MetarewardConfig config() {
        StringBuilder user = new StringBuilder("metareward.training.mode = \"" + mode + "\"\n");
        if (checkpointEvery != null) {
            user.append("metareward.training.checkpoint-every = ").append(checkpointEvery).append('\n');
        }
        if (stalenessBound != null) {
            user.append("metareward.training.staleness-bound = ").append(stalenessBound).append('\n');
        }
        try {
            return MetarewardConfig.fromConfig(ConfigFactory.parseString(user.toString()));
        } catch (RuntimeException e) {
            throw new UserInputException("--mode / --staleness-bound / --checkpoint-every: " + e.getMessage(), e);
        }
    }

    /**
     * Where more domains stop bringing more updates (the first N whose updates/s is below 1.1 x the previous N's),
     * and which resource explains it.
     */
    record Saturation(Integer domains, String why) {

        static Saturation of(List<CoordinatorBenchmark.Result> results, CoordinatorBenchmark.Costs costs,
                             int stalenessBound) {
            for (int i = 1; i < results.size(); i++) {
                CoordinatorBenchmark.Result r = results.get(i);
                if (r.appliedPerSecond() < 1.1 * results.get(i - 1).appliedPerSecond()) {
                    return new Saturation(r.domains(), explain(r, costs, stalenessBound));
                }
            }
            return new Saturation(null, results.isEmpty() ? "no run"
                    : "not saturated up to N = " + results.get(results.size() - 1).domains() + " ("
                    + explain(results.get(results.size() - 1), costs, stalenessBound) + ")");
        }

        private static String explain(CoordinatorBenchmark.Result r, CoordinatorBenchmark.Costs costs,
                                      int stalenessBound) {
            List<String> reasons = new ArrayList<>();
            double received = r.applied() + r.rejectedTotal();
            if (r.coordinatorBusy() >= BUSY) {
                reasons.add(String.format(Locale.ROOT, "the coordinator's thread is busy %.0f%% of the time "
                        + "(%.0f us CPU per update: validate %.0f, optimizer %.0f, snapshot %.0f, publish %.0f, "
                        + "checkpoint %.0f/%d us)", 100 * r.coordinatorBusy(), r.coordinatorCpuMicrosPerUpdate(),
                        costs.validateMicros(), costs.optimizerMicros(), costs.snapshotMicros(),
                        r.publishPhiMicros(), costs.checkpointMicros(), costs.checkpointEvery()));
            }
            if (r.receiverBusy() >= BUSY) {
                reasons.add(String.format(Locale.ROOT, "the coordinator node's receiving thread is busy %.0f%% "
                        + "(%.0f us per contribution: MAC %.0f + CRC32C %.0f + copy)", 100 * r.receiverBusy(),
                        r.receiverCpuMicrosPerContribution(), costs.macMicros(), costs.crcMicros()));
            }
            if (received > 0 && r.rejected().getOrDefault(RejectReason.TOO_STALE, 0L) > received / 2) {
                reasons.add(String.format(Locale.ROOT, "%.0f%% of the contributions arrive more than S = %d "
                        + "versions stale and are rejected, each after its checksum and finite check",
                        100 * r.rejected().getOrDefault(RejectReason.TOO_STALE, 0L) / received,
                        stalenessBound));
            }
            if (reasons.isEmpty()) {
                reasons.add(String.format(Locale.ROOT, "no thread of the coordinator is saturated (coordinator "
                        + "%.0f%%, receiver %.0f%% of a core): the machine's %d processors are shared (load "
                        + "average %s)", 100 * r.coordinatorBusy(), 100 * r.receiverBusy(),
                        Runtime.getRuntime().availableProcessors(), SoakCommand.loadAverage()));
            }
            return String.join("; ", reasons);
        }
    }

    private String table(long length, MetarewardConfig config, CoordinatorBenchmark.Costs costs,
                         List<CoordinatorBenchmark.Result> results, Saturation saturation, String loadBefore) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nbench coordinator: phi %d float32 (%.2f MB), %s mode (S = %d, "
                        + "staleness scaling %s), %s, checkpoint every %d; simulated domains on a second Aeron node "
                        + "over UDP loopback, compute %.1f ms; %d processors, load average %s at the start; %s; "
                        + "%.1f s measured per N after %.1f s%n", length, length * 4 / 1e6, mode,
                config.training().stalenessBound(), config.training().stalenessScaling() ? "on" : "off",
                config.outer().optimizer().name().toLowerCase(Locale.ROOT), config.training().checkpointEvery(),
                computeMillis, Runtime.getRuntime().availableProcessors(), loadBefore, LocalDate.now(), seconds,
                warmup));
        sb.append(String.format(Locale.ROOT, "per-update steps of the coordinator, each alone (CPU us of the thread per call): "
                        + "validate %.0f, optimizer step %.0f, phi snapshot %.0f, checkpoint %.0f (%.0f us wall with its "
                        + "fsync; every %d: %.0f per update) = %.0f us + publish; receiving one contribution: MAC %.0f "
                        + "+ CRC32C %.0f us%n",
                costs.validateMicros(), costs.optimizerMicros(), costs.snapshotMicros(), costs.checkpointMicros(),
                costs.checkpointWallMicros(),
                costs.checkpointEvery(), costs.checkpointMicros() / costs.checkpointEvery(), costs.perUpdateMicros(),
                costs.macMicros(), costs.crcMicros()));
        sb.append(String.format(Locale.ROOT, "%5s %10s %10s %10s %9s %-20s %8s %8s %8s %9s %9s %8s %8s%n", "N",
                "sent/s", "applied/s", "rejected/s", "b-p/s", "staleness s=0,1,..", "p50 ms", "p99 ms", "max ms",
                "publish", "coord us", "coord%", "recv%"));
        for (CoordinatorBenchmark.Result r : results) {
            sb.append(String.format(Locale.ROOT, "%5d %10.0f %10.1f %10.1f %9.0f %-20s %8.2f %8.2f %8.2f %9.0f "
                            + "%9.0f %7.0f%% %7.0f%%%n", r.domains(), r.sentPerSecond(), r.appliedPerSecond(),
                    r.rejectedTotal() / r.seconds(), r.backPressured() / r.seconds(), stalenessShares(r),
                    r.latencyQuantile(0.5), r.latencyQuantile(0.99), r.latencyQuantile(1.0), r.publishPhiMicros(),
                    r.coordinatorCpuMicrosPerUpdate(), 100 * r.coordinatorBusy(), 100 * r.receiverBusy()));
        }
        sb.append("latency: from the simulated worker's accepted publish to the coordinator's update event; publish: "
                + "median us of the coordinator's publishPhi; coord us: CPU of its thread per update; coord% / "
                + "recv%: busy share of one core of the coordinator's thread / its node's receiving thread\n");
        sb.append("saturation: ").append(saturation.domains() == null ? "" : "at N = " + saturation.domains() + ": ")
                .append(saturation.why()).append('\n');
        for (CoordinatorBenchmark.Result r : results) {
            if (r.domains() == 64) {
                double p99 = r.latencyQuantile(0.99);
                sb.append(String.format(Locale.ROOT, "N = 64: p99 %.1f ms, target < %.0f ms: %s%n", p99,
                        P99_TARGET_MS, p99 < P99_TARGET_MS ? "met" : "NOT met"));
            }
        }
        return sb.toString();
    }

    private static String stalenessShares(CoordinatorBenchmark.Result r) {
        List<String> parts = new ArrayList<>();
        for (long count : r.staleness()) {
            parts.add(String.format(Locale.ROOT, "%.0f%%", r.applied() == 0 ? 0.0 : 100.0 * count / r.applied()));
        }
        return String.join(",", parts);
    }

    private String json(long length, MetarewardConfig config, CoordinatorBenchmark.Costs costs,
                        List<CoordinatorBenchmark.Result> results, Saturation saturation) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "coordinator");
        m.put("cpu", HostCpu.current().label());
        m.put("phi_length", length);
        m.put("mode", mode);
        m.put("staleness_bound", config.training().stalenessBound());
        m.put("checkpoint_every", config.training().checkpointEvery());
        m.put("compute_ms", computeMillis);
        m.put("seconds", seconds);
        m.put("processors", Runtime.getRuntime().availableProcessors());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("validate_us", costs.validateMicros());
        c.put("optimizer_us", costs.optimizerMicros());
        c.put("snapshot_us", costs.snapshotMicros());
        c.put("checkpoint_us", costs.checkpointMicros());
        c.put("checkpoint_wall_us", costs.checkpointWallMicros());
        c.put("per_update_us", costs.perUpdateMicros());
        c.put("mac_us", costs.macMicros());
        c.put("crc_us", costs.crcMicros());
        m.put("costs", c);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (CoordinatorBenchmark.Result r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("domains", r.domains());
            row.put("seconds", r.seconds());
            row.put("sent", r.sent());
            row.put("in_flight_at_start", r.inFlightAtStart());
            row.put("applied", r.applied());
            row.put("rejected", r.rejectedTotal());
            Map<String, Long> reasons = new LinkedHashMap<>();
            r.rejected().forEach((reason, n) -> reasons.put(reason.name().toLowerCase(Locale.ROOT), n));
            row.put("rejected_by_reason", reasons);
            row.put("back_pressured", r.backPressured());
            row.put("sent_per_s", r.sentPerSecond());
            row.put("applied_per_s", r.appliedPerSecond());
            row.put("staleness", r.staleness());
            row.put("latencies", r.latencyMillis().length);
            row.put("p50_ms", nullIfNaN(r.latencyQuantile(0.5)));
            row.put("p99_ms", nullIfNaN(r.latencyQuantile(0.99)));
            row.put("max_ms", nullIfNaN(r.latencyQuantile(1.0)));
            row.put("publish_phi_us", nullIfNaN(r.publishPhiMicros()));
            row.put("coordinator_cpu_us_per_update", r.coordinatorCpuMicrosPerUpdate());
            row.put("receiver_cpu_us_per_contribution", r.receiverCpuMicrosPerContribution());
            row.put("coordinator_busy", r.coordinatorBusy());
            row.put("receiver_busy", r.receiverBusy());
            rows.add(row);
        }
        m.put("rows", rows);
        m.put("saturated_at", saturation.domains());
        m.put("saturation", saturation.why());
        m.put("p99_target_ms", P99_TARGET_MS);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("could not write the bench result as JSON", e);
        }
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
