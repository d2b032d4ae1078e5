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
    void shouldMapEveryAeronOfferCodeToItsResult() {
        assertEquals(OfferResult.OK, OfferResult.fromAeronCode(0));
        assertEquals(OfferResult.OK, OfferResult.fromAeronCode(1 << 20));
        assertEquals(OfferResult.NOT_CONNECTED, OfferResult.fromAeronCode(-1));
        assertEquals(OfferResult.BACK_PRESSURED, OfferResult.fromAeronCode(-2));
        assertEquals(OfferResult.ADMIN_ACTION, OfferResult.fromAeronCode(-3));
        assertEquals(OfferResult.CLOSED, OfferResult.fromAeronCode(-4));
        assertEquals(OfferResult.MAX_POSITION_EXCEEDED, OfferResult.fromAeronCode(-5));
    }

    @Test
    void shouldRefuseToCountAnUnknownOfferFailureAsSuccess() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> meters.recordAeronOffer(-6));
        assertTrue(e.getMessage().contains("-6"), e.getMessage());
        assertEquals(0, registry.find(MeterCatalogue.AERON_OFFERS.meterName()).counters().size());
    }

    @Test
    void shouldCountOfferResultsSeparately() {
        meters.recordAeronOffer(4096);
        meters.recordAeronOffer(-2);
        meters.recordAeronOffer(-2);
        assertEquals(1.0, meters.aeronOffers(OfferResult.OK).count());
        assertEquals(2.0, meters.aeronOffers(OfferResult.BACK_PRESSURED).count());
        assertEquals(0.0, meters.aeronOffers(OfferResult.CLOSED).count());
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
        meters.contributionsRejected(RejectReason.STALE).increment();
        meters.contributionsRejected(RejectReason.STALE).increment();
        meters.contributionsRejected(RejectReason.CHECKSUM).increment();
        assertEquals(2.0, registry.get(MeterCatalogue.CONTRIBUTIONS_REJECTED.meterName())
                .tag(TagKeys.REASON, "stale").counter().count());
        assertEquals(1.0, registry.get(MeterCatalogue.CONTRIBUTIONS_REJECTED.meterName())
                .tag(TagKeys.REASON, "checksum").counter().count());
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
