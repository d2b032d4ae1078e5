package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainerMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrainerMeters meters = new TrainerMeters(registry);

    @Test
    void shouldKeepTheNewestPhiVersionReportedOnANode() {
        meters.raisePhiVersion(5);
        meters.raisePhiVersion(3); // a worker still holding an older phi than the coordinator
        assertEquals(5.0, registry.get(MeterCatalogue.PHI_VERSION.meterName()).gauge().value());
        meters.raisePhiVersion(6);
        assertEquals(6.0, registry.get(MeterCatalogue.PHI_VERSION.meterName()).gauge().value());
    }

    @Test
    void shouldCountTheCheckpointAgeFromTheLatestRestart() throws InterruptedException {
        meters.restartCheckpointAge();
        Thread.sleep(50);
        double before = registry.get(MeterCatalogue.CHECKPOINT_AGE.meterName()).gauge().value();
        assertTrue(before >= 0.05, "age " + before);
        meters.restartCheckpointAge();
        double after = registry.get(MeterCatalogue.CHECKPOINT_AGE.meterName()).gauge().value();
        assertTrue(after < before, "age after a checkpoint " + after + " vs before " + before);
    }

    @Test
    void shouldReadAFunctionCounterFromItsSourceAtEachScrape() {
        long[] source = {2};
        meters.registerCounter(MeterCatalogue.DATA_PLANE_FRAMES, source, a -> a[0], "sent");
        source[0] = 7;
        assertEquals(7.0, registry.get(MeterCatalogue.DATA_PLANE_FRAMES.meterName()).tag(TagKeys.DIRECTION, "sent")
                .functionCounter().count());
    }

    @Test
    void shouldKeepOnlyTheLatestGaugeValuePerDomain() {
        meters.setOuterLoss("books", 0.9);
        meters.setOuterLoss("dvd", 0.4);
        meters.setOuterLoss("books", 0.7);
        System.gc(); // the gauge state must survive: Micrometer itself holds it only weakly
        assertEquals(0.7, registry.get(MeterCatalogue.OUTER_LOSS.meterName()).tag(TagKeys.DOMAIN, "books")
                .gauge().value());
        assertEquals(0.4, registry.get(MeterCatalogue.OUTER_LOSS.meterName()).tag(TagKeys.DOMAIN, "dvd")
                .gauge().value());
    }

    @Test
    void shouldReturnTheSameCounterForTheSameTags() {
        meters.contributionsRejected(RejectReason.TOO_STALE).increment();
        meters.contributionsRejected(RejectReason.TOO_STALE).increment();
        meters.contributionsRejected(RejectReason.BAD_CHECKSUM).increment();
        assertEquals(2.0, registry.get(MeterCatalogue.CONTRIBUTIONS_REJECTED.meterName())
                .tag(TagKeys.REASON, "too-stale").counter().count());
        assertEquals(1.0, registry.get(MeterCatalogue.CONTRIBUTIONS_REJECTED.meterName())
                .tag(TagKeys.REASON, "bad-checksum").counter().count());
    }

    @Test
    void shouldRejectABlankDomain() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> meters.innerStep(" "));
        assertTrue(e.getMessage().contains("domain"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> meters.setOuterLoss(null, 1.0));
    }

    @Test
    void shouldRejectAnAccuracyOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> meters.setEvaluatorPlAccuracy("kitchen", 1.2));
        assertThrows(IllegalArgumentException.class, () -> meters.setEvaluatorPlAccuracy("kitchen", Double.NaN));
        meters.setEvaluatorPlAccuracy("kitchen", 1.0);
        assertEquals(1.0, registry.get(MeterCatalogue.EVALUATOR_PL_ACCURACY.meterName()).gauge().value());
    }

    @Test
    void shouldGiveEveryCatalogueMeterItsOwnNames() {
        Set<String> meterNames = new HashSet<>();
        Set<String> series = new HashSet<>();
        for (MeterCatalogue m : MeterCatalogue.values()) {
            assertTrue(meterNames.add(m.meterName()), "duplicate meter name " + m.meterName());
            for (String s : m.seriesNames()) {
                assertTrue(series.add(s), "duplicate Prometheus series " + s);
            }
            assertTrue(m.prometheusName().startsWith("metareward_"), m.prometheusName());
        }
    }
}
