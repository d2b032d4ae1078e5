package dev.metareward.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSettingsTest {

    @TempDir
    Path dir;

    private static final String TWO_NODES = """
            metareward.cluster {
              enabled = true
              nodes = [
                { name = "c", host = "127.0.0.1", port = 25520, aeron-port = 40120, roles = [coordinator, evaluator] }
                { name = "w", host = "127.0.0.1", port = 25521, aeron-port = 40122, roles = [worker], domains = [dvd] }
              ]
            }
            """;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("cluster.conf");
        Files.writeString(file, text);
        return file;
    }

    private String failure(String text) throws IOException {
        Path file = write(text);
        return assertThrows(ConfigError.class, () -> MetarewardConfig.load(file)).getMessage();
    }

    @Test
    void shouldLoadTheShippedLoopbackCluster() {
        ClusterSettings cluster = MetarewardConfig.load(Path.of(System.getProperty("user.dir"))
                .resolve("cluster-local.conf")).cluster();
        assertEquals(List.of("coord", "worker-1", "worker-2"), cluster.nodes().stream().map(NodeSettings::name).toList());
        assertEquals(List.of("coord"), cluster.seedNodes(), "seed nodes default to the coordinator-role nodes");
        assertEquals(List.of("worker-1", "worker-2"),
                cluster.withRole(NodeSettings.WORKER).stream().map(NodeSettings::name).toList());
    }

    @Test
    void shouldReadOptionalNodeKeysWithDefaults() throws IOException {
        ClusterSettings cluster = MetarewardConfig.load(write(TWO_NODES
                + "metareward.data.training-domains = [dvd]\n")).cluster();
        NodeSettings coordinator = cluster.node("c").orElseThrow();
        assertTrue(coordinator.gpus().isEmpty() && coordinator.allows("books"));
        NodeSettings worker = cluster.node("w").orElseThrow();
        assertTrue(worker.allows("dvd") && !worker.allows("books"));
    }

    @Test
    void shouldRejectClusterWithoutNodes() throws IOException {
        String message = failure("metareward.cluster.enabled = true");
        assertTrue(message.contains("'metareward.cluster.nodes'") && message.contains("at least one node"), message);
    }

    @Test
    void shouldRejectNodesWhenClusterIsOff() throws IOException {
        String message = failure(TWO_NODES + "metareward.cluster.enabled = false");
        assertTrue(message.contains("cluster.enabled = false"), message);
    }

    @Test
    void shouldNameTheListElementOfAnUnknownNodeKey() throws IOException {
        String message = failure("""
                metareward.cluster {
                  enabled = true
                  nodes = [ { name = "c", host = "h", port = 1, aeron-port = 2, roles = [coordinator, worker],
                              gpu = [0] } ]
                }
                """);
        assertTrue(message.contains("'metareward.cluster.nodes[0].gpu'") && message.contains("cluster.conf:4"),
                message);
    }

    @Test
    void shouldRejectDuplicateNamesWrongRolesAndUnknownSeeds() throws IOException {
        String message = failure("""
                metareward.cluster {
                  enabled = true
                  seed-nodes = [nowhere]
                  nodes = [
                    { name = "a", host = "h", port = 1, aeron-port = 10, roles = [coordinator, worker] }
                    { name = "a", host = "h", port = 2, aeron-port = 20, roles = [boss] }
                  ]
                }
                """);
        assertTrue(message.contains("\"a\" occurs more than once"), message);
        assertTrue(message.contains("'metareward.cluster.nodes[1].roles'") && message.contains("boss"), message);
        assertTrue(message.contains("'metareward.cluster.seed-nodes'") && message.contains("nowhere"), message);
    }

    @Test
    void shouldGiveEachNodeItsOwnMetricsPortOrTheCommonOne() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write(TWO_NODES.replace("domains = [dvd] }",
                "domains = [dvd], metrics-port = 9465 }") + """
                metareward.data.training-domains = [dvd]
                metareward.metrics.port = 9464
                """));
        assertEquals(9464, config.metrics().forNode(config.cluster().node("c").orElseThrow()).port());
        assertEquals(9465, config.metrics().forNode(config.cluster().node("w").orElseThrow()).port());
    }

    @Test
    void shouldRejectTwoNodesServingMetricsOnOneHostAndPort() throws IOException {
        String message = failure(TWO_NODES + """
                metareward.data.training-domains = [dvd]
                metareward.metrics.port = 9464
                """);
        assertTrue(message.contains("'metareward.metrics.port'") && message.contains("\"c\" and \"w\"")
                && message.contains("127.0.0.1:9464") && message.contains("metrics-port"), message);
        String outOfRange = failure(TWO_NODES.replace("domains = [dvd] }", "domains = [dvd], metrics-port = 70000 }")
                + "metareward.data.training-domains = [dvd]\n");
        assertTrue(outOfRange.contains("'metareward.cluster.nodes[1].metrics-port'"), outOfRange);
    }

    @Test
    void shouldRejectATrainingDomainThatNoWorkerMayRun() throws IOException {
        String message = failure(TWO_NODES + "metareward.data.training-domains = [books, dvd]\n");
        assertTrue(message.contains("\"books\" is not allowed on any worker node"), message);
    }

    @Test
    void shouldRequireKeyStoresWhenTlsIsOn() throws IOException {
        String message = failure("metareward.cluster.tls.enabled = true");
        assertTrue(message.contains("'metareward.cluster.tls.key-store'")
                && message.contains("'metareward.cluster.tls.trust-store'"), message);
    }

    @Test
    void shouldRejectATermLengthThatIsNotAPowerOfTwo() throws IOException {
        String message = failure("metareward.cluster.aeron.term-length = 3m");
        assertTrue(message.contains("'metareward.cluster.aeron.term-length'") && message.contains("power of two"),
                message);
    }
}
