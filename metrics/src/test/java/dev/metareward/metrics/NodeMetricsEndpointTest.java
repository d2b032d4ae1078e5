package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.MetricsSettings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeMetricsEndpointTest {

    private static final String RUN = "endpoint-test";
    private static final String NODE = "worker-1";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "GET " + uri);
        return response.body();
    }

    @Test
    void shouldServeEveryCatalogueMeterUnderItsPrometheusNameWithItsTags() throws Exception {
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", RUN, NODE)) {
            Map<MeterCatalogue, Map<String, String>> recorded = EveryMeterRecorder.recordEveryMeter(metrics.meters());
            ExpositionText served = ExpositionText.parse(get(metrics.metricsUri().orElseThrow()));

            assertEquals(List.of(MeterCatalogue.values()), List.copyOf(recorded.keySet()),
                    "the recorder must record every catalogue meter");
            for (var entry : recorded.entrySet()) {
                Map<String, String> labels = new HashMap<>(entry.getValue());
                labels.put(TagKeys.RUN, RUN);
                labels.put(TagKeys.NODE, NODE);
                for (String series : entry.getKey().seriesNames()) {
                    assertFalse(served.find(series, labels).isEmpty(), () -> entry.getKey() + ": no series " + series
                            + " with labels " + labels + " among " + served.seriesNames());
                }
            }
        }
    }

    @Test
    void shouldServeTheRecordedValues() throws Exception {
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", RUN, NODE)) {
            EveryMeterRecorder.recordEveryMeter(metrics.meters());
            metrics.meters().tokensProcessed("books").increment(66);
            metrics.meters().raisePhiVersion(18);
            ExpositionText served = ExpositionText.parse(get(metrics.metricsUri().orElseThrow()));

            Map<String, String> books = Map.of(TagKeys.DOMAIN, "books");
            assertEquals(1300.0, served.value("metareward_tokens_processed_total", books).orElseThrow());
            assertEquals(18.0, served.value("metareward_phi_version", Map.of()).orElseThrow());
            assertEquals(1.0, served.value("metareward_inner_step_seconds_count", books).orElseThrow());
            assertEquals(0.25, served.value("metareward_inner_step_seconds_sum", books).orElseThrow(), 1e-9);
            assertEquals(0.6931, served.value("metareward_outer_loss", books).orElseThrow(), 1e-12);
            assertEquals(2.0, served.value("metareward_contributions_rejected_total",
                    Map.of(TagKeys.REASON, "non-finite")).orElseThrow());
            assertEquals(1.0, served.value("metareward_aeron_offer_refusals_total",
                    Map.of(TagKeys.RESULT, "back-pressured")).orElseThrow());
            assertEquals(4096.0, served.value("metareward_data_plane_bytes_total",
                    Map.of(TagKeys.DIRECTION, "received")).orElseThrow());
            assertEquals(23_456_789.0, served.value("metareward_javacpp_total_bytes", Map.of()).orElseThrow());
            // Staleness 1 falls into the buckets le=1 and above, not into le=0.5 (staleness 0).
            assertEquals(0.0, served.value("metareward_contribution_staleness_versions_bucket",
                    Map.of("le", "0.5")).orElseThrow());
            assertEquals(1.0, served.value("metareward_contribution_staleness_versions_bucket",
                    Map.of("le", "1.0")).orElseThrow());
        }
    }

    @Test
    void shouldServeJvmAndProcessMetersWithNodeTags() throws Exception {
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", RUN, NODE)) {
            ExpositionText served = ExpositionText.parse(get(metrics.metricsUri().orElseThrow()));
            Map<String, String> node = Map.of(TagKeys.RUN, RUN, TagKeys.NODE, NODE);
            for (String series : List.of("jvm_memory_used_bytes", "jvm_memory_max_bytes", "jvm_threads_live_threads",
                    "jvm_gc_memory_allocated_bytes_total", "process_cpu_usage", "system_cpu_usage",
                    "process_uptime_seconds", "jvm_classes_loaded_classes", "process_files_open_files")) {
                assertFalse(served.find(series, node).isEmpty(),
                        () -> "no " + series + " with " + node + " among " + served.seriesNames());
            }
            double heapUsed = served.find("jvm_memory_used_bytes", Map.of("area", "heap")).stream()
                    .mapToDouble(ExpositionText.Sample::value).sum();
            assertTrue(heapUsed > 0, "heap in use should be positive but was " + heapUsed);
        }
    }

    @Test
    void shouldStopServingWhenClosed() throws Exception {
        URI uri;
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", RUN, NODE)) {
            uri = metrics.metricsUri().orElseThrow();
            get(uri);
        }
        URI closed = uri;
        assertThrows(ConnectException.class, () -> get(closed));
    }

    @Test
    void shouldNotServeWhenConfiguredPortIsZero() {
        try (NodeMetrics metrics = NodeMetrics.create(new MetricsSettings("127.0.0.1", 0), RUN, NODE)) {
            metrics.meters().raisePhiVersion(3);
            assertTrue(metrics.metricsUri().isEmpty());
            assertEquals(3.0, ExpositionText.parse(metrics.scrape())
                    .value("metareward_phi_version", Map.of(TagKeys.RUN, RUN)).orElseThrow());
        }
    }

    @Test
    void shouldServeOnTheConfiguredPort() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (NodeMetrics metrics = NodeMetrics.create(new MetricsSettings("127.0.0.1", port), RUN, NODE)) {
            assertEquals(URI.create("http://127.0.0.1:" + port + "/metrics"), metrics.metricsUri().orElseThrow());
            assertTrue(get(metrics.metricsUri().orElseThrow()).contains("jvm_threads_live_threads"));
        }
    }

    @Test
    void shouldNameTheSettingWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            MetricsSettings settings = new MetricsSettings("127.0.0.1", taken.getLocalPort());
            MetricsEndpointException e = assertThrows(MetricsEndpointException.class,
                    () -> NodeMetrics.create(settings, RUN, NODE));
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("metrics.port"), e.getMessage());
        }
    }

    @Test
    void shouldRejectABlankRunIdOrNodeName() {
        MetricsSettings off = new MetricsSettings("127.0.0.1", 0);
        assertThrows(IllegalArgumentException.class, () -> NodeMetrics.create(off, " ", NODE));
        assertThrows(IllegalArgumentException.class, () -> NodeMetrics.create(off, RUN, ""));
    }
}
