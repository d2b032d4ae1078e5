package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard in docker/ is built from the meter catalogue: it charts every catalogue meter, names only
 * series we export, and every panel query returns data from a real Prometheus server scraping a real node.
 */
class GrafanaDashboardTest {

    // Surefire runs in the module folder; the dashboard lives in the repository's docker/ folder.
    private static final Path DASHBOARD = Path.of("..", "docker", "grafana", "dashboards", "metareward.json");
    private static final Pattern SERIES = Pattern.compile("\\b(?:metareward|jvm|process|system)_[a-z0-9_]+\\b");
    private static final String RUN = "dashboard-test";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static JsonNode dashboard() throws IOException {
        assertTrue(Files.isRegularFile(DASHBOARD), "missing dashboard " + DASHBOARD.toAbsolutePath());
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every PromQL expression of a panel target. */
    private static List<String> panelQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        return queries;
    }

    /** Panel queries and template-variable queries: everything that names a series. */
    private static List<String> allQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>(panelQueries(dashboard));
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.has("definition")) {
                queries.add(variable.path("definition").asText());
            }
        }
        return queries;
    }

    /** Replaces Grafana's variables the way Grafana would for run {@value RUN}, all nodes and a short range. */
    private static String asGrafanaWouldSend(String query) {
        return query.replace("$run", RUN)
                .replace("$node", ".*")
                .replace("$__rate_interval", "10s")
                .replace("$__range", "1m");
    }

    private static Set<String> seriesNamedIn(List<String> queries) {
        Set<String> names = new TreeSet<>();
        for (String q : queries) {
            Matcher m = SERIES.matcher(q);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }

    @Test
    void shouldChartEveryCatalogueMeter() throws IOException {
        Set<String> named = seriesNamedIn(panelQueries(dashboard()));
        List<MeterCatalogue> missing = new ArrayList<>();
        for (MeterCatalogue meter : MeterCatalogue.values()) {
            if (meter.seriesNames().stream().noneMatch(named::contains)) {
                missing.add(meter);
            }
        }
        assertEquals(List.of(), missing, "catalogue meters without a panel in " + DASHBOARD);
    }

    @Test
    void shouldNameOnlySeriesThatANodeExports() throws Exception {
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", RUN, "worker-1")) {
            EveryMeterRecorder.recordEveryMeter(metrics.meters());
            Set<String> exported = awaitGcPauseExported(metrics);
            Set<String> unknown = new TreeSet<>(seriesNamedIn(allQueries(dashboard())));
            unknown.removeAll(exported);
            assertEquals(Set.of(), unknown, "series named in " + DASHBOARD + " but not exported");
        }
    }

    @Test
    void shouldAnswerEveryPanelQueryFromARealPrometheusServer() throws Exception {
        PrometheusServer.requireInstalled();
        List<String> queries = panelQueries(dashboard());
        try (NodeMetrics metrics = NodeMetrics.createOnEphemeralPort("127.0.0.1", RUN, "worker-1")) {
            EveryMeterRecorder.recordEveryMeter(metrics.meters());
            awaitGcPauseExported(metrics);
            try (PrometheusServer prometheus = PrometheusServer.start(metrics.metricsUri().orElseThrow(), dir)) {
                Instant deadline = Instant.now().plus(DEADLINE);
                // rate() and delta() need at least two samples inside their window.
                prometheus.await("count_over_time(up{job=\"metareward\"}[10s]) >= 3",
                        a -> a.path("data").path("result").size() == 1, deadline);
                List<String> failures = new ArrayList<>();
                for (String query : queries) {
                    String sent = asGrafanaWouldSend(query);
                    JsonNode answer = prometheus.query(sent);
                    if (!"success".equals(answer.path("status").asText())) {
                        failures.add(sent + " -> " + answer);
                    } else if (answer.path("data").path("result").isEmpty()) {
                        failures.add(sent + " -> no series");
                    }
                }
                assertEquals(List.of(), failures, "panel queries of " + DASHBOARD + " that returned no data");
            }
        }
    }

    /** Forces a GC so that the GC pause timer exists, and returns the exported series names. */
    private static Set<String> awaitGcPauseExported(NodeMetrics metrics) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            System.gc(); // the GC listener records pauses asynchronously
            Set<String> names = ExpositionText.parse(metrics.scrape()).seriesNames();
            if (names.contains("jvm_gc_pause_seconds_count") || Instant.now().isAfter(deadline)) {
                return names;
            }
            Thread.sleep(200);
        }
    }
}
