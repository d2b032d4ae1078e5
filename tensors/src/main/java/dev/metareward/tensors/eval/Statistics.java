package dev.metareward.tensors.eval;

import java.util.Arrays;
import org.apache.commons.math3.distribution.TDistribution;

/** Summary statistics of the experiment: medians and Student-t confidence intervals of a mean. */
public final class Statistics {

    private Statistics() {
    }

    /**
     * A mean with the half-width of its two-sided 95% Student-t interval, mean +- t(0.975, n - 1) * s / sqrt(n)
     * with s the sample standard deviation; the half-width is NaN for fewer than 2 values.
     */
    public record Interval(double mean, double halfWidth, int n) {

        /** The 95% t-interval of {@code values}' mean; NaN values are left out. */
        public static Interval of(double[] values) {
            double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).toArray();
            int n = v.length;
            if (n == 0) {
                return new Interval(Double.NaN, Double.NaN, 0);
            }
            double mean = Arrays.stream(v).average().orElseThrow();
            if (n < 2) {
                return new Interval(mean, Double.NaN, n);
            }
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            double sd = Math.sqrt(ss / (n - 1));
            double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
            return new Interval(mean, t * sd / Math.sqrt(n), n);
        }

        public double low() {
            return mean - halfWidth;
        }

        public double high() {
            return mean + halfWidth;
        }
    }

    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
