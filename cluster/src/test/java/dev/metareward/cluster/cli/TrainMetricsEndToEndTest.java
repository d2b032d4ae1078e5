package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.cluster.run.RunMetrics;
import dev.metareward.cluster.testing.ChildProcesses;
import dev.metareward.cluster.testing.LoopbackPorts;
import dev.metareward.cluster.testing.TinyRun;
import dev.metareward.metrics.DashboardQueries;
import dev.metareward.metrics.ExpositionText;
import dev.metareward.metrics.PrometheusServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code metareward train} (tiny model, child JVM) with metrics.port set: its endpoint serves non-zero
 * training meters while it runs, and a real Prometheus server scraping it answers every dashboard query except the
 * data plane's (an in-process run has no Aeron; {@code ClusterRunEndToEndTest} covers those). A port in use is a
 * user error.
 */
class TrainMetricsEndToEndTest {

    private static final String RUN = "metrics-e2e";
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    /** Series only a node with an Aeron data plane exports. */
    private static final Pattern DATA_PLANE = Pattern.compile("metareward_(data_plane|aeron)_");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    private ChildProcesses children;

    @AfterEach
    void killChildren() {
        if (children != null) {
            children.close();
        }
    }

    @Test
    void shouldServeTrainingMetersWhileItRunsAndAnswerTheDashboard() throws Exception {
        PrometheusServer.requireInstalled();
        int port = new LoopbackPorts().tcp();
        List<String> args = new ArrayList<>(List.of("train", "--config", TinyRun.configFile("local.conf").toString()));
        // Far more steps than the test waits for: it scrapes a run in progress, then kills it.
        args.addAll(TinyRun.overrides(tmp.resolve("data"), tmp.resolve("out"), "run.id=" + RUN,
                "outer.steps=100000", "training.evaluate-every=2", "training.checkpoint-every=25",
                "metrics.host=\"127.0.0.1\"", "metrics.port=" + port));
        children = new ChildProcesses(tmp, Map.of());
        children.start("train", args);
        URI endpoint = URI.create("http://127.0.0.1:" + port + "/metrics");

        Map<String, String> node = Map.of("run", RUN, "node", RunMetrics.LOCAL_NODE);
        long started = System.nanoTime();
        ExpositionText served = awaitScrape(endpoint, s -> s.sum("metareward_phi_version", node) >= 3
                && s.sum("metareward_evaluator_pl_accuracy", node) > 0);
        System.out.printf("train served its training meters %.1f s after its start%n",
                (System.nanoTime() - started) / 1e9);
        assertTrue(children.process("train").isAlive(), "scraped while training runs" + children.outputs());
        for (String counter : List.of("metareward_inner_step_seconds_count", "metareward_meta_step_seconds_count",
                "metareward_hypergradient_seconds_count", "metareward_hypergradient_norm_count",
                "metareward_tokens_processed_total", "metareward_contributions_accepted_total",
                "metareward_phi_updates_total", "metareward_phi_broadcasts_total",
                "metareward_reward_weight_mean", "metareward_reward_weight_ess",
                "metareward_javacpp_physical_bytes", "metareward_javacpp_total_bytes",
                "jvm_memory_used_bytes", "process_cpu_usage")) {
            assertTrue(served.sum(counter, node) > 0, counter + " is not above 0: " + served.find(counter, node));
        }
        double steps = served.sum("metareward_phi_updates_total", node);
        assertTrue(served.sum("metareward_contributions_accepted_total", node) >= steps,
                "every update applies at least one accepted contribution");
        // The tiny run does inner.steps = 2 per contribution; contributions of all three domains are counted.
        assertEquals(2 * served.sum("metareward_meta_step_seconds_count", node),
                served.sum("metareward_inner_step_seconds_count", node), 2 * 3,
                "two inner steps per meta step (up to one meta step in flight per domain)");

        try (PrometheusServer prometheus = PrometheusServer.start(endpoint, tmp.resolve("prometheus"))) {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            // rate() needs two samples inside its window: wait for three scrapes.
            prometheus.await("count_over_time(up{job=\"metareward\"}[10s]) >= 3",
                    a -> a.path("data").path("result").size() == 1, deadline);
            List<String> failures = DashboardQueries.queriesWithoutData(prometheus, RUN,
                    q -> !DATA_PLANE.matcher(q).find());
            assertEquals(List.of(), failures, "dashboard queries without data on a real train run");
        }
        assertTrue(children.process("train").isAlive(), "the run was still training" + children.outputs());
    }

    @Test
    void shouldRefuseAMetricsPortInUseBeforeDoingAnyWork() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            List<String> args = new ArrayList<>(List.of("train", "--config",
                    TinyRun.configFile("local.conf").toString()));
            args.addAll(TinyRun.overrides(tmp.resolve("data"), tmp.resolve("out"),
                    "metrics.port=" + taken.getLocalPort()));
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), run.err());
            assertTrue(run.err().contains("metrics.port") && run.err().contains(":" + taken.getLocalPort()),
                    run.err());
            assertFalse(Files.exists(tmp.resolve("data").resolve("sft.jsonl")), "no data generated");
        }
    }

    private ExpositionText awaitScrape(URI endpoint, java.util.function.Predicate<ExpositionText> done)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(DEADLINE);
        ExpositionText last = null;
        String error = "";
        while (Instant.now().isBefore(deadline)) {
            assertTrue(children.process("train").isAlive(), "train exited" + children.outputs());
            try {
                last = ExpositionText.scrape(endpoint);
                if (done.test(last)) {
                    return last;
                }
            } catch (IOException notServingYet) {
                error = notServingYet.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the endpoint " + endpoint + " did not show the expected meters in time (" + error
                + "); last scrape: " + (last == null ? "none" : last.seriesNames()) + children.outputs());
    }
}
