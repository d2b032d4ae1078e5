package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in docker/ is built from the meter catalogue: it charts every catalogue meter and names only
 * series a node exports. That every panel query returns data from a real run scraped by a real Prometheus server is
 * checked in the cluster module ({@code DashboardOnClusterRunTest}).
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = DashboardQueries.DASHBOARD;
    private static final Pattern SERIES = Pattern.compile("\\b(?:metareward|jvm|process|system)_[a-z0-9_]+\\b");
    private static final String RUN = "dashboard-test";

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
    void shouldChartEveryCatalogueMeter() throws Exception {
        Set<String> named = seriesNamedIn(DashboardQueries.panelQueries(DashboardQueries.dashboard()));
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
            Set<String> unknown = new TreeSet<>(seriesNamedIn(DashboardQueries.allQueries(DashboardQueries.dashboard())));
            unknown.removeAll(exported);
            assertEquals(Set.of(), unknown, "series named in " + DASHBOARD + " but not exported");
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
