package dev.metareward.cluster.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakVerdictTest {

    /** 10 s samples over {@code minutes}: updates at {@code rate(t)}, RSS of one node at {@code rss(t)} bytes. */
    private static List<SoakSample> samples(int minutes, java.util.function.DoubleUnaryOperator rate,
                                            java.util.function.DoubleUnaryOperator rss, int restartAt) {
        List<SoakSample> samples = new ArrayList<>();
        double updates = 0;
        for (int i = 0; i <= minutes * 6; i++) {
            double t = i * 10.0;
            if (i > 0) {
                updates += rate.applyAsDouble(t) * 10;
            }
            samples.add(new SoakSample(t, Math.round(updates), i >= restartAt ? 1 : 0,
                    List.of(new SoakSample.Node("coord", 1, (long) rss.applyAsDouble(t), Double.NaN))));
        }
        return samples;
    }

    @Test
    void shouldPassASteadyRunAfterItsWarmUp() {
        // Memory climbs 50% in the 5 min warm-up, then stays flat; throughput is constant.
        List<SoakSample> s = samples(30, t -> 2.0, t -> t < 300 ? 1e9 * (1 + 0.5 * t / 300) : 1.5e9, Integer.MAX_VALUE);
        SoakVerdict v = SoakVerdict.of(s, 300);
        assertEquals(2.0, v.updatesPerSecond(), 0.01);
        assertEquals(0, v.throughputTrendPercent(), 1.0);
        assertEquals(0, v.rss().get("coord").percentPerHour(), 1e-6);
        assertTrue(v.offHeap().isEmpty(), "no endpoint, no off-heap figures");
        assertTrue(v.passed(), v.line());
        assertTrue(v.line().startsWith("soak verdict: PASS") && v.line().contains("ND4J off-heap n/a"), v.line());
    }

    @Test
    void shouldMeasureLinearMemoryGrowthAndFailPastFivePercent() {
        // 1.0 GB growing 20% per hour: over the 25 min window that is +8.3%.
        List<SoakSample> s = samples(30, t -> 2.0, t -> 1e9 * (1 + 0.2 * t / 3600), Integer.MAX_VALUE);
        SoakVerdict v = SoakVerdict.of(s, 300);
        SoakVerdict.Drift d = v.rss().get("coord");
        assertEquals(1e9 * (1 + 0.2 * 300 / 3600), d.startBytes(), 1e3);
        assertEquals(100 * 0.2 / (1 + 0.2 * 300 / 3600), d.percentPerHour(), 0.01);
        assertEquals(100 * (1.2 / (1 + 0.2 * 300 / 3600) - 1 / (1 + 0.2 * 300 / 3600)) * 1500 / 3600, d
                .percentOverWindow(), 0.01);
        assertFalse(v.passed(), v.line());
        assertTrue(v.line().startsWith("soak verdict: CHECK"), v.line());
    }

    @Test
    void shouldSeeThroughputDecayAndRestarts() {
        List<SoakSample> slowing = samples(30, t -> t < 1050 ? 2.0 : 1.0, t -> 1e9, Integer.MAX_VALUE);
        SoakVerdict v = SoakVerdict.of(slowing, 300);
        assertEquals(-50, v.throughputTrendPercent(), 2.0);
        assertFalse(v.passed());
        SoakVerdict restarted = SoakVerdict.of(samples(30, t -> 2.0, t -> 1e9, 100), 300);
        assertEquals(1, restarted.restarts());
        assertFalse(restarted.passed(), restarted.line());
    }

    @Test
    void shouldRefuseAVerdictOnTooFewSamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SoakVerdict.of(samples(1, t -> 1.0, t -> 1e9, Integer.MAX_VALUE), 45));
        assertTrue(e.getMessage().contains("at least 4 samples"), e.getMessage());
    }
}
