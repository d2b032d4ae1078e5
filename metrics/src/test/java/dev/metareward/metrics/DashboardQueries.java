package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The PromQL of the Grafana dashboard in docker/, as its tests read it (also from the cluster module's tests). */
public final class DashboardQueries {

    // Surefire runs in a module folder; the dashboard lives in the repository's docker/ folder, a sibling.
    public static final Path DASHBOARD = Path.of("..", "docker", "grafana", "dashboards", "metareward.json");

    private DashboardQueries() {
    }

    public static JsonNode dashboard() throws IOException {
        assertTrue(Files.isRegularFile(DASHBOARD), "missing dashboard " + DASHBOARD.toAbsolutePath());
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every PromQL expression of a panel target. */
    public static List<String> panelQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        return queries;
    }

    /** Panel queries and template-variable queries: everything that names a series. */
    public static List<String> allQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>(panelQueries(dashboard));
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.has("definition")) {
                queries.add(variable.path("definition").asText());
            }
        }
        return queries;
    }

    /**
     * Runs every panel query that {@code include} selects as Grafana would for {@code run}; returns the ones that
     * failed or returned no series, each with Prometheus' answer (empty when all returned data).
     */
    public static List<String> queriesWithoutData(PrometheusServer prometheus, String run, Predicate<String> include)
            throws Exception {
        List<String> failures = new ArrayList<>();
        for (String query : panelQueries(dashboard())) {
            if (!include.test(query)) {
                continue;
            }
            String sent = asGrafanaWouldSend(query, run);
            JsonNode answer = prometheus.query(sent);
            if (answer == null || !"success".equals(answer.path("status").asText())) {
                failures.add(sent + " -> " + answer);
            } else if (answer.path("data").path("result").isEmpty()) {
                failures.add(sent + " -> no series");
            }
        }
        return failures;
    }

    /** Replaces Grafana's variables the way Grafana would for {@code run}, all nodes and a one-minute range. */
    public static String asGrafanaWouldSend(String query, String run) {
        return query.replace("$run", run)
                .replace("$node", ".*")
                .replace("$__rate_interval", "10s")
                .replace("$__range", "1m");
    }
}
