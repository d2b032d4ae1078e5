package dev.metareward.cluster.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metareward.cluster.testing.ChildProcesses;
import dev.metareward.cluster.testing.LoopbackPorts;
import dev.metareward.cluster.testing.TinyRun;
import dev.metareward.metrics.DashboardQueries;
import dev.metareward.metrics.PrometheusServer;
import dev.metareward.tensors.checkpoint.CheckpointFile;
import dev.metareward.tensors.report.TrainingReport;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-process cluster runs: every node is a separate JVM started by the test (or by launch-local, itself a child
 * process), talking Pekko Cluster on loopback TCP and Aeron UDP, bounded in time and always killed at the end.
 */
class ClusterRunEndToEndTest {

    private static final Duration RUN_DEADLINE = Duration.ofMinutes(4);
    private static final Pattern APPLIED = Pattern.compile("phi version (\\d+) \\(from ");
    private static final Map<String, String> SECRET = Map.of("METAREWARD_RUN_SECRET",
            "0123456789abcdef0123456789abcdef-cluster-e2e");

    // Kept when a test fails: the nodes' logs are there.
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    private final LoopbackPorts ports = new LoopbackPorts();
    /** Each node's Prometheus endpoint port (metrics-port of its cluster.nodes entry), by node name. */
    private final Map<String, Integer> metricsPorts = new LinkedHashMap<>();
    private ChildProcesses children;

    @AfterEach
    void killChildren() {
        if (children != null) {
            children.close();
        }
    }

    private Path out() {
        return tmp.resolve("out");
    }

    /** A run file with the given nodes ({name, roles} pairs) on free loopback ports, each serving its metrics. */
    private Path clusterConfig(String mode, String... nameAndRoles) throws IOException {
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < nameAndRoles.length; i += 2) {
            metricsPorts.put(nameAndRoles[i], ports.tcp());
            nodes.append("      { name = \"").append(nameAndRoles[i]).append("\", host = \"127.0.0.1\", port = ")
                    .append(ports.tcp()).append(", aeron-port = ").append(ports.udpPair()).append(", metrics-port = ")
                    .append(metricsPorts.get(nameAndRoles[i])).append(", roles = ").append(nameAndRoles[i + 1])
                    .append(" }\n");
        }
        Path file = tmp.resolve("cluster.conf");
        Files.writeString(file, """
                metareward {
                  run.id = "e2e"
                  data {
                    training-domains = ["books", "dvd", "electronics"]
                    held-out-domains = ["kitchen"]
                  }
                  training { mode = "%s", checkpoint-every = 1, evaluate-every = 2 }
                  timeouts { cluster-formation = 120s, ask = 10s, contribution = 90s, phi-version = 90s }
                  cluster {
                    enabled = true
                    aeron.term-length = 1m
                    nodes = [
                %s    ]
                  }
                }
                # Fail-over in seconds rather than the 7s + detection of the defaults.
                pekko.cluster.split-brain-resolver.stable-after = 3s
                """.formatted(mode, nodes));
        return file;
    }

    private List<String> args(String command, Path config, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--config", config.toString()));
        args.addAll(TinyRun.overrides(tmp.resolve("data"), out(), more));
        return args;
    }

    private List<String> nodeArgs(Path config, String node, String... more) {
        List<String> args = args("node", config, more);
        args.addAll(List.of("--node", node, "--exit-with", Long.toString(ProcessHandle.current().pid())));
        return args;
    }

    @Test
    void shouldCompleteAnAsyncLaunchLocalRunAndWriteTheReport() throws Exception {
        Path config = clusterConfig("async", "coord", "[coordinator, evaluator]", "worker-1", "[worker]",
                "worker-2", "[worker]");
        children = new ChildProcesses(tmp, SECRET);
        children.start("launch", args("launch-local", config, "outer.steps=6"));

        assertEquals(0, children.awaitExit("launch", RUN_DEADLINE), children.outputs());
        assertTrue(Files.isRegularFile(out().resolve(TrainingReport.JSON)), "no report" + children.outputs());
        TrainingReport report = TrainingReport.read(out());
        assertEquals(6, report.outerLoss().size(), report.outerLoss().toString());
        assertEquals("kitchen", report.heldOut().get(0).domain());
        String log = children.output("launch");
        assertTrue(log.contains("[worker-1]") && log.contains("[worker-2]") && log.contains("[coord]"), log);
        assertTrue(Pattern.compile("\\[worker-\\d] .*domain '\\w+' runs on node worker-\\d").matcher(log).find(), log);
    }

    /**
     * In float64: the float32 kernels reduce SIMD lanes and take lane-wise exponentials in an order the JIT may
     * change between processes (docs/CLUSTER.md), so float32 runs agree to rounding only.
     */
    @Test
    void shouldReproduceTheInProcessPhiBitForBitInSyncMode() throws Exception {
        Path config = clusterConfig("sync", "coord", "[coordinator, evaluator]", "worker-1", "[worker]",
                "worker-2", "[worker]");
        children = new ChildProcesses(tmp, SECRET);
        children.start("launch", args("launch-local", config, "outer.steps=3", "model.dtype=float64"));
        assertEquals(0, children.awaitExit("launch", RUN_DEADLINE), children.outputs());
        double[] cluster = phiAt(out(), 3);

        Path local = tmp.resolve("local-out");
        List<String> train = new ArrayList<>(List.of("train", "--config", TinyRun.configFile("local.conf").toString()));
        train.addAll(TinyRun.overrides(tmp.resolve("data"), local, "outer.steps=3", "model.dtype=float64",
                "training.mode=sync", "training.checkpoint-every=1", "run.id=e2e"));
        children.start("train", train);
        assertEquals(0, children.awaitExit("train", RUN_DEADLINE), children.outputs());

        assertArrayEquals(phiAt(local, 3), cluster, "phi after 3 sync versions, in-process vs three processes");
    }

    @Test
    void shouldResumeALostWorkerNodesDomainsOnTheOtherWorkerNode() throws Exception {
        Path config = clusterConfig("sync", "coord", "[coordinator, evaluator]", "worker-1", "[worker]",
                "worker-2", "[worker]");
        children = new ChildProcesses(tmp, SECRET);
        String steps = "outer.steps=30";
        children.start("coord", nodeArgs(config, "coord", steps));
        children.start("worker-1", nodeArgs(config, "worker-1", steps));
        children.start("worker-2", nodeArgs(config, "worker-2", steps));

        children.awaitOutput("coord", Pattern.compile("phi version 3 \\(from "), RUN_DEADLINE);
        List<String> lost = children.grep("worker-1", Pattern.compile("domain '(\\w+)' runs on node worker-1"));
        assertFalse(lost.isEmpty(), "worker-1 ran no domain" + children.outputs());
        children.kill("worker-1");

        assertEquals(0, children.awaitExit("coord", RUN_DEADLINE), children.outputs());
        for (String domain : lost) {
            assertTrue(children.output("worker-2").contains("domain '" + domain + "' runs on node worker-2"),
                    domain + " did not move to worker-2" + children.outputs());
        }
        assertEquals(LongStream.rangeClosed(1, 30).mapToObj(Long::toString).toList(),
                children.grep("coord", APPLIED), "every version applied exactly once, in order");
        assertTrue(Files.isRegularFile(out().resolve(TrainingReport.JSON)), "no report" + children.outputs());
    }

    @Test
    void shouldRestartTheCoordinatorOnTheOtherCoordinatorNodeFromTheNewestCheckpoint() throws Exception {
        Path config = clusterConfig("sync", "coord-a", "[coordinator, evaluator]",
                "coord-b", "[coordinator, evaluator, worker]", "worker-1", "[worker]");
        children = new ChildProcesses(tmp, SECRET);
        String steps = "outer.steps=30";
        children.start("coord-a", nodeArgs(config, "coord-a", steps));
        children.start("coord-b", nodeArgs(config, "coord-b", steps));
        children.start("worker-1", nodeArgs(config, "worker-1", steps));

        // The singleton runs on the oldest coordinator-role node: whichever of the two joined first.
        String holder = awaitEither("coord-a", "coord-b", Pattern.compile("phi version 3 \\(from "));
        String other = holder.equals("coord-a") ? "coord-b" : "coord-a";
        children.kill(holder);
        long newestCheckpoint = newestCheckpointVersion();

        assertEquals(0, children.awaitExit(other, RUN_DEADLINE), children.outputs());
        var restart = children.awaitOutput(other, Pattern.compile("reward coordinator singleton starts on node "
                + other + " at version (\\d+)"), Duration.ZERO);
        assertTrue(newestCheckpoint >= 2, "checkpoint-every = 1 and version 3 was logged; newest checkpoint "
                + newestCheckpoint);
        assertEquals(newestCheckpoint, Long.parseLong(restart.group(1)), "restarted from the newest checkpoint"
                + children.outputs());
        List<String> applied = children.grep(other, APPLIED);
        assertEquals(LongStream.rangeClosed(newestCheckpoint + 1, 30).mapToObj(Long::toString).toList(), applied,
                "the new coordinator applies every version after its checkpoint once");
        assertEquals(30, TrainingReport.read(out()).outerLoss().size(), "the report's loss curve spans both "
                + "coordinators");
        assertTrue(Files.isRegularFile(out().resolve(TrainingReport.JSON)), "no report" + children.outputs());
        assertEquals(0, children.awaitExit("worker-1", Duration.ofSeconds(60)), children.outputs());
    }

    /**
     * Three node JVMs with their own metrics ports, scraped by a real Prometheus server while the run goes on: every
     * query of the Grafana dashboard returns data (the data plane's included), every node is up, and the per-node
     * throughput panels show the worker nodes.
     */
    @Test
    void shouldAnswerEveryDashboardQueryFromTheNodesOfARunningCluster() throws Exception {
        PrometheusServer.requireInstalled();
        Path config = clusterConfig("async", "coord", "[coordinator, evaluator]", "worker-1", "[worker]",
                "worker-2", "[worker]");
        children = new ChildProcesses(tmp, SECRET);
        for (String node : metricsPorts.keySet()) {
            // Far more steps than the test waits for: it queries a run in progress, then kills it.
            children.start(node, nodeArgs(config, node, "outer.steps=100000", "training.evaluate-every=2",
                    "training.checkpoint-every=25"));
        }
        List<URI> endpoints = metricsPorts.values().stream()
                .map(port -> URI.create("http://127.0.0.1:" + port + "/metrics")).toList();
        try (PrometheusServer prometheus = PrometheusServer.start(endpoints, tmp.resolve("prometheus"))) {
            // The nodes prepare data and base, form the cluster and train a few versions first (slow on a busy VM).
            // A version after phi_0 (which is evaluated at once, before any worker step).
            children.awaitOutput("coord", Pattern.compile("evaluated phi version [1-9]\\d*"), RUN_DEADLINE);
            Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
            prometheus.await("metareward_evaluator_pl_accuracy{run=\"e2e\"}", ClusterRunEndToEndTest::hasSeries,
                    deadline);
            prometheus.await("max(metareward_phi_version{run=\"e2e\", node=~\"worker-.*\"}) >= 3",
                    ClusterRunEndToEndTest::hasSeries, deadline);
            prometheus.await("sum(rate(metareward_tokens_processed_total{run=\"e2e\"}[10s])) > 0",
                    ClusterRunEndToEndTest::hasSeries, deadline);
            // rate() needs two samples inside its window: three recent scrapes of every node.
            prometheus.await("count_over_time(up{job=\"metareward\"}[10s]) >= 3",
                    a -> a.path("data").path("result").size() == 3, deadline);

            assertEquals(List.of(), DashboardQueries.queriesWithoutData(prometheus, "e2e", q -> true),
                    "dashboard queries without data on a running three-node cluster" + children.outputs());
            Map<String, Double> up = byNode(prometheus, "Nodes up");
            assertEquals(Map.of("coord", 1.0, "worker-1", 1.0, "worker-2", 1.0), up, "the nodes-up panel");
            Set<String> computing = byNode(prometheus, "Inner steps / s per node").keySet();
            assertFalse(computing.isEmpty(), "inner steps per node");
            assertTrue(Set.of("worker-1", "worker-2").containsAll(computing), "only worker nodes compute: "
                    + computing);
        }
        for (String node : metricsPorts.keySet()) {
            assertTrue(children.process(node).isAlive(), node + " ran until the end of the test" + children.outputs());
        }
    }

    private static boolean hasSeries(JsonNode answer) {
        return !answer.path("data").path("result").isEmpty();
    }

    /** The first query of the dashboard panel {@code title}, answered by node label. */
    private static Map<String, Double> byNode(PrometheusServer prometheus, String title) throws Exception {
        JsonNode panel = StreamSupport.stream(DashboardQueries.dashboard().path("panels").spliterator(), false)
                .filter(p -> title.equals(p.path("title").asText())).findFirst().orElseThrow();
        String query = DashboardQueries.asGrafanaWouldSend(panel.path("targets").get(0).path("expr").asText(), "e2e");
        Map<String, Double> values = new TreeMap<>();
        for (JsonNode series : prometheus.query(query).path("data").path("result")) {
            values.put(series.path("metric").path("node").asText(), series.path("value").get(1).asDouble());
        }
        return values;
    }

    /** The first of two children whose output matches {@code pattern}. */
    private String awaitEither(String a, String b, Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + RUN_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            for (String name : List.of(a, b)) {
                if (pattern.matcher(children.output(name)).find()) {
                    return name;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("neither " + a + " nor " + b + " printed /" + pattern + "/" + children.outputs());
    }

    private long newestCheckpointVersion() throws IOException {
        try (var files = Files.list(out().resolve("checkpoints"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("phi-\\d{12}\\.ckpt"))
                    .mapToLong(n -> Long.parseLong(n.substring(4, 16))).max().orElse(-1);
        }
    }

    private static double[] phiAt(Path out, long version) throws IOException {
        Path file = out.resolve("checkpoints").resolve(String.format("phi-%012d.ckpt", version));
        return CheckpointFile.read(file).vector("phi", -1, "phi").toDoubleVector();
    }
}
