package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our endpoint scraped by a real Prometheus server, the stored values read back through its HTTP API. */
class PrometheusServerScrapeTest {

    // Prometheus starts in 1-3 s and scrapes every second; the rest is headroom for a loaded 2-core machine.
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void shouldStoreTheRecordedValuesWhenScrapedByARealPrometheusServer() throws Exception {
        PrometheusServer.requireInstalled();
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", "scrape-test", "coordinator")) {
            TrainerMeters meters = metrics.meters();
            meters.tokensProcessed("books").increment(1234);
            meters.raisePhiVersion(42);
            meters.contributionsRejected(RejectReason.TOO_STALE).increment(3);
            meters.innerStep("dvd").record(Duration.ofMillis(40));
            meters.innerStep("dvd").record(Duration.ofMillis(60));

            try (PrometheusServer prometheus = PrometheusServer.start(metrics.metricsUri().orElseThrow(), dir)) {
                Instant deadline = Instant.now().plus(DEADLINE);
                // A first scrape may time out on a busy machine (1 s); then up is 0 until the next one succeeds.
                assertEquals(1.0, prometheus.awaitSingleValue("up{job=\"metareward\"} == 1", deadline),
                        "Prometheus should report our endpoint as up");
                assertEquals(1234.0, prometheus.awaitSingleValue("metareward_tokens_processed_total"
                        + "{run=\"scrape-test\",node=\"coordinator\",domain=\"books\"}", deadline));
                assertEquals(42.0, prometheus.awaitSingleValue("metareward_phi_version{run=\"scrape-test\"}", deadline));
                assertEquals(3.0, prometheus.awaitSingleValue(
                        "metareward_contributions_rejected_total{reason=\"too-stale\"}", deadline));
                assertEquals(2.0, prometheus.awaitSingleValue(
                        "metareward_inner_step_seconds_count{domain=\"dvd\"}", deadline));
                assertEquals(0.1, prometheus.awaitSingleValue(
                        "metareward_inner_step_seconds_sum{domain=\"dvd\"}", deadline), 1e-9);
            }
        }
    }
}
