package dev.metareward.actors.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.config.TrainingSettings;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class AggregationPolicyTest {

    private static PhiFrame phi(long sequence, Set<String> awaited) {
        return PhiFrame.of("run", 3, sequence, awaited, Nd4j.createFromArray(1f, 2f));
    }

    @Test
    void shouldBuildThePolicyTheTrainingModeNames() {
        assertEquals(new AggregationPolicy.Sync(), AggregationPolicy.from(
                new TrainingSettings(TrainingSettings.Mode.SYNC, 4, true, 10, 3, 0)));
        assertEquals(new AggregationPolicy.Async(4, false), AggregationPolicy.from(
                new TrainingSettings(TrainingSettings.Mode.ASYNC, 4, false, 10, 3, 0)));
    }

    @Test
    void shouldBufferSyncContributionsAndAwaitTheMissingDomains() {
        AggregationPolicy sync = new AggregationPolicy.Sync();
        assertTrue(sync.buffersUntilAllDomainsIn());
        assertEquals(0, sync.stalenessBound());
        assertEquals(1.0, sync.stepScale(0));
        assertEquals(Set.of("books", "dvd"), sync.awaitedDomains(List.of("books", "dvd")));
        assertTrue(sync.waitsFor("dvd", Set.of("books")));
        assertFalse(sync.waitsFor("books", Set.of("books")));
    }

    @Test
    void shouldApplyAsyncContributionsAtOnceScaledByStaleness() {
        AggregationPolicy scaled = new AggregationPolicy.Async(2, true);
        assertFalse(scaled.buffersUntilAllDomainsIn());
        assertEquals(2, scaled.stalenessBound());
        assertEquals(1.0 / 3, scaled.stepScale(2));
        assertEquals(1.0, new AggregationPolicy.Async(2, false).stepScale(2));
        assertEquals(Set.of(), scaled.awaitedDomains(List.of("books", "dvd")));
        assertTrue(scaled.waitsFor("books", Set.of("books")));
    }

    @Test
    void shouldComputeInSyncModeOncePerBroadcastAddressedToTheDomain() {
        AggregationPolicy sync = new AggregationPolicy.Sync();
        assertTrue(sync.shouldCompute("books", phi(7, Set.of("books", "dvd")), 6));
        assertFalse(sync.shouldCompute("books", phi(7, Set.of("books", "dvd")), 7), "already computed with it");
        assertFalse(sync.shouldCompute("books", phi(8, Set.of("dvd")), 7), "addressed to another domain");
        assertFalse(sync.shouldCompute("books", phi(9, Set.of()), 7), "the final broadcast awaits no domain");
    }

    @Test
    void shouldAlwaysComputeWithTheNewestPhiInAsyncMode() {
        AggregationPolicy async = new AggregationPolicy.Async(2, true);
        assertTrue(async.shouldCompute("books", phi(7, Set.of()), 7));
    }
}
