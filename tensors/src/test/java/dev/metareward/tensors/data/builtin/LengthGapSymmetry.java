package dev.metareward.tensors.data.builtin;

import dev.metareward.tensors.data.PreferencePair;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A test of whether the byte-length difference D = len(chosen) - len(rejected) is independent of the label: then D
 * and -D are equally likely for every d, so for each d > 0 the counts n(D = d) and n(D = -d) differ only by chance.
 * The statistic sum_d (n+ - n-)^2 / (n+ + n-) is chi-square with one degree of freedom per d; it is compared with the
 * 0.999 quantile, so a symmetric generator fails one run in a thousand at most, and a biased one is caught.
 */
final class LengthGapSymmetry {

    /** 0.999 quantiles of the chi-square distribution with 1..12 degrees of freedom. */
    private static final double[] CHI2_999 = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59,
            31.26, 32.91};

    private LengthGapSymmetry() {
    }

    record Result(double statistic, int degrees, double critical, Map<Integer, Integer> counts) {
        boolean symmetric() {
            return statistic <= critical;
        }
    }

    static Result test(List<PreferencePair> pairs) {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (PreferencePair p : pairs) {
            counts.merge(bytes(p.chosen()) - bytes(p.rejected()), 1, Integer::sum);
        }
        double statistic = 0;
        int degrees = 0;
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            if (e.getKey() <= 0) {
                continue;
            }
            int plus = e.getValue();
            int minus = counts.getOrDefault(-e.getKey(), 0);
            statistic += (double) (plus - minus) * (plus - minus) / (plus + minus);
            degrees++;
        }
        for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
            if (e.getKey() < 0 && !counts.containsKey(-e.getKey())) {
                statistic += e.getValue();
                degrees++;
            }
        }
        double critical = degrees == 0 ? Double.POSITIVE_INFINITY : CHI2_999[Math.min(degrees, CHI2_999.length) - 1];
        return new Result(statistic, degrees, critical, counts);
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
