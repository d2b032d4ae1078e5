package dev.metareward.cluster.soak;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What a soak's samples say after the warm-up: the throughput trend (updates/s of the second half of the window
 * against the first half), every node's memory drift (least-squares slope of RSS, and of ND4J's off-heap bytes when
 * known, as % of the fitted value at the window's start, per hour and over the window) and the restarts.
 *
 * <p>It passes when no node's RSS grows more than {@link #MAX_MEMORY_GROWTH_PERCENT} over the window, throughput
 * falls by no more than {@link #MAX_THROUGHPUT_DECAY_PERCENT} and nothing restarted.
 *
 * @param warmupSeconds samples before this are left out
 * @param windowSeconds length of the window the figures cover
 * @param updatesPerSecond mean throughput over the window
 * @param throughputTrendPercent second half's rate against the first half's, in % (negative: slower)
 * @param rss drift of each node's RSS
 * @param offHeap drift of each node's ND4J off-heap bytes; empty when no node's endpoint answered
 * @param restarts restarts during the whole soak, warm-up included
 */
public record SoakVerdict(double warmupSeconds, double windowSeconds, double updatesPerSecond,
                          double throughputTrendPercent, Map<String, Drift> rss, Map<String, Drift> offHeap,
                          int restarts) {

    public static final double MAX_MEMORY_GROWTH_PERCENT = 5;
    public static final double MAX_THROUGHPUT_DECAY_PERCENT = 10;

    /**
     * A linear fit of one node's memory over the window.
     *
     * @param startBytes fitted value at the window's start
     * @param endBytes fitted value at the window's end
     * @param percentPerHour slope as % of {@code startBytes} per hour
     * @param percentOverWindow {@code endBytes / startBytes - 1} in %
     */
    public record Drift(double startBytes, double endBytes, double percentPerHour, double percentOverWindow) {
    }

    /**
     * @param samples in time order
     * @param warmupSeconds samples before this time are not judged (JIT, caches, first checkpoints)
     * @throws IllegalArgumentException when fewer than 4 samples fall after the warm-up
     */
    public static SoakVerdict of(List<SoakSample> samples, double warmupSeconds) {
        List<SoakSample> window = samples.stream().filter(s -> s.seconds() >= warmupSeconds).toList();
        if (window.size() < 4) {
            throw new IllegalArgumentException("a verdict needs at least 4 samples after the warm-up of "
                    + warmupSeconds + " s but there are " + window.size() + " (of " + samples.size() + "); run "
                    + "longer or sample more often");
        }
        SoakSample first = window.get(0);
        SoakSample last = window.get(window.size() - 1);
        double span = last.seconds() - first.seconds();
        SoakSample middle = window.get(0);
        for (SoakSample s : window) {
            if (s.seconds() - first.seconds() <= span / 2) {
                middle = s;
            }
        }
        double firstRate = rate(first, middle);
        double secondRate = rate(middle, last);
        double trend = firstRate > 0 ? 100 * (secondRate / firstRate - 1) : Double.NaN;
        Map<String, Drift> rss = drifts(window, n -> n.residentBytes() < 0 ? Double.NaN : n.residentBytes());
        Map<String, Drift> offHeap = drifts(window, SoakSample.Node::offHeapBytes);
        return new SoakVerdict(warmupSeconds, span, rate(first, last), trend, rss, offHeap,
                samples.get(samples.size() - 1).restarts());
    }

    /** True when memory, throughput and restarts are within the limits. */
    public boolean passed() {
        boolean memory = rss.values().stream().allMatch(d -> d.percentOverWindow() <= MAX_MEMORY_GROWTH_PERCENT);
        boolean throughput = !Double.isNaN(throughputTrendPercent)
                && throughputTrendPercent >= -MAX_THROUGHPUT_DECAY_PERCENT;
        return memory && throughput && restarts == 0;
    }

    /** The closing line of a soak. */
    public String line() {
        return String.format(Locale.ROOT, "soak verdict: %s: %.3f updates/s over %.1f min after a %.1f min warm-up, "
                        + "throughput trend %+.1f%% (2nd half vs 1st; limit -%.0f%%); RSS %s (limit +%.0f%% over the "
                        + "window); ND4J off-heap %s; restarts %d",
                passed() ? "PASS" : "CHECK", updatesPerSecond, windowSeconds / 60, warmupSeconds / 60,
                throughputTrendPercent, MAX_THROUGHPUT_DECAY_PERCENT, describe(rss), MAX_MEMORY_GROWTH_PERCENT,
                offHeap.isEmpty() ? "n/a" : describe(offHeap), restarts);
    }

    private static String describe(Map<String, Drift> drifts) {
        List<String> parts = new ArrayList<>();
        drifts.forEach((node, d) -> parts.add(String.format(Locale.ROOT, "%s %.0f MB %+.2f%%/h (%+.2f%%)", node,
                d.startBytes() / 1e6, d.percentPerHour(), d.percentOverWindow())));
        return String.join(", ", parts);
    }

    private static double rate(SoakSample from, SoakSample to) {
        double dt = to.seconds() - from.seconds();
        return dt > 0 ? (to.updates() - from.updates()) / dt : 0;
    }

    /** Least-squares fit per node over the samples where {@code value} is known (at least 3). */
    private static Map<String, Drift> drifts(List<SoakSample> window, ToDoubleFunction<SoakSample.Node> value) {
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (SoakSample s : window) {
            for (SoakSample.Node n : s.nodes()) {
                double v = value.applyAsDouble(n);
                if (!Double.isNaN(v)) {
                    points.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(new double[] {s.seconds(), v});
                }
            }
        }
        double t0 = window.get(0).seconds();
        double t1 = window.get(window.size() - 1).seconds();
        Map<String, Drift> drifts = new LinkedHashMap<>();
        points.forEach((node, p) -> {
            if (p.size() >= 3) {
                double[] fit = fit(p);
                double start = fit[0] + fit[1] * t0;
                double end = fit[0] + fit[1] * t1;
                drifts.put(node, new Drift(start, end, 100 * fit[1] * 3600 / start, 100 * (end / start - 1)));
            }
        });
        return drifts;
    }

    /** {intercept, slope} of the least-squares line through {@code points} ({t, v}). */
    static double[] fit(List<double[]> points) {
        double n = points.size();
        double st = 0;
        double sv = 0;
        for (double[] p : points) {
            st += p[0];
            sv += p[1];
        }
        double mt = st / n;
        double mv = sv / n;
        double num = 0;
        double den = 0;
        for (double[] p : points) {
            num += (p[0] - mt) * (p[1] - mv);
            den += (p[0] - mt) * (p[0] - mt);
        }
        double slope = den > 0 ? num / den : 0;
        return new double[] {mv - slope * mt, slope};
    }
}
