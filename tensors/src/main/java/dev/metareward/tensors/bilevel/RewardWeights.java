package dev.metareward.tensors.bilevel;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reward weights of one inner batch: R_i = exp(clamp(r_i / beta, -c, c)) (MATH.md "Objects").
 *
 * <p>The clamp only guards against overflow. Where it is active R_i does not depend on r_i, so the exact
 * derivative of the computed inner loop has no term through that sample: {@link #derivativeFactor(int)} is then 0
 * (and the hypergradient tests compare against finite differences of exactly this clamped function).
 *
 * @param rewards r_i(phi)
 * @param weights R_i
 * @param clamped whether r_i / beta was outside [-c, c]
 * @param beta the reward controlling factor used
 */
public record RewardWeights(double[] rewards, double[] weights, boolean[] clamped, double beta) {

    /** Computes R_i from the rewards {@code r} of one batch (any data type). */
    public static RewardWeights of(INDArray r, double beta, double clamp) {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number > 0 but was " + beta);
        }
        double[] rewards = r.toDoubleVector();
        double[] weights = new double[rewards.length];
        boolean[] clamped = new boolean[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            double scaled = rewards[i] / beta;
            if (Double.isNaN(scaled)) {
                throw new NonFiniteValueException("reward r_" + i + " of the inner batch is NaN: the reward model or phi "
                        + "holds non-finite values");
            }
            if (scaled > clamp || scaled < -clamp) {
                clamped[i] = true;
                scaled = Math.max(-clamp, Math.min(clamp, scaled));
            }
            weights[i] = Math.exp(scaled);
        }
        return new RewardWeights(rewards, weights, clamped, beta);
    }

    public int size() {
        return weights.length;
    }

    /** How many r_i / beta were clamped. */
    public int clampedCount() {
        int n = 0;
        for (boolean c : clamped) {
            n += c ? 1 : 0;
        }
        return n;
    }

    /** Mean of R_i over the batch. */
    public double meanWeight() {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        return sum / weights.length;
    }

    /**
     * Effective sample size (sum R_i)^2 / sum R_i^2 of the weighted batch gradient: B when all weights are equal,
     * towards 1 when one sample dominates.
     */
    public double effectiveSampleSize() {
        double sum = 0;
        double sumOfSquares = 0;
        for (double w : weights) {
            sum += w;
            sumOfSquares += w * w;
        }
        return sum * sum / sumOfSquares;
    }

    /** dR_i / dr_i = R_i / beta, or 0 where the clamp is active. */
    public double derivativeFactor(int i) {
        return clamped[i] ? 0.0 : weights[i] / beta;
    }

    /** R_i / B: the per-row weights of the batch gradient G_t = (1/B) sum_i R_i grad F_i. */
    public double[] meanWeights() {
        double[] out = new double[weights.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = weights[i] / weights.length;
        }
        return out;
    }
}
