package dev.metareward.tensors.bilevel;

import dev.metareward.config.InnerSettings.RewardWeighting;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reward weights of one inner batch (MATH.md "Inner loop"): R_i = exp(clamp(r_i / beta, -c, c)) and the weight
 * each sample gets in the step, either R_i itself (raw) or Rtilde_i = R_i / m with m = (1/B) sum_j R_j
 * (self-normalised).
 *
 * <p>The clamp only guards against overflow. Where it is active R_i does not depend on r_i, so the exact
 * derivative of the computed inner loop has no term through that sample: R'_i = dR_i/dr_i is then 0 (and the
 * hypergradient tests compare against finite differences of exactly this clamped function). A clamped R_i still
 * enters m.
 *
 * @param rewards r_i(phi)
 * @param raw R_i
 * @param weights the weights used in the step: R_i (raw) or Rtilde_i (self-normalised)
 * @param clamped whether r_i / beta was outside [-c, c]
 * @param beta the reward controlling factor used
 * @param weighting how {@code weights} were made from {@code raw}
 */
public record RewardWeights(double[] rewards, double[] raw, double[] weights, boolean[] clamped, double beta,
                            RewardWeighting weighting) {

    /** Raw weights R_i from the rewards {@code r} of one batch (any data type). */
    public static RewardWeights of(INDArray r, double beta, double clamp) {
        return of(r.toDoubleVector(), beta, clamp, RewardWeighting.RAW);
    }

    /** The weights of one batch with rewards {@code rewards} under {@code weighting}. */
    public static RewardWeights of(double[] rewards, double beta, double clamp, RewardWeighting weighting) {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number > 0 but was " + beta);
        }
        double[] raw = new double[rewards.length];
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
            raw[i] = Math.exp(scaled);
        }
        double[] weights = raw.clone();
        if (weighting == RewardWeighting.SELF_NORMALISED) {
            double m = mean(raw);
            for (int i = 0; i < weights.length; i++) {
                weights[i] = raw[i] / m;
            }
        }
        return new RewardWeights(rewards, raw, weights, clamped, beta, weighting);
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

    /** R'_i = dR_i / dr_i = R_i / beta, or 0 where the clamp is active. */
    public double derivativeFactor(int i) {
        return clamped[i] ? 0.0 : raw[i] / beta;
    }

    /** m = (1/B) sum_i R_i, the mean raw weight. */
    public double meanRaw() {
        return mean(raw);
    }

    /** ESS = (sum_i w_i)^2 / sum_i w_i^2 of the weights used (the same for R and Rtilde): B when all are equal. */
    public double effectiveSampleSize() {
        double sum = 0;
        double squares = 0;
        for (double w : weights) {
            sum += w;
            squares += w * w;
        }
        return sum * sum / squares;
    }

    /** w_i / B: the per-row weights of the batch gradient G_t = (1/B) sum_i w_i grad F_i. */
    public double[] meanWeights() {
        double[] out = new double[weights.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = weights[i] / weights.length;
        }
        return out;
    }

    /**
     * The coefficients c_k of this step's direct term grad_phi sum_k c_k r_k in the hypergradient, given
     * s_k = &lt;grad F_k(theta_t), v_{t+1}&gt; and the step's alpha (MATH.md "Hypergradient"):
     * raw c_k = (alpha/B) R'_k s_k; self-normalised c_k = (alpha/B) (R'_k/m) (s_k - (1/B) sum_i Rtilde_i s_i).
     */
    public double[] directTermCoefficients(double[] s, double alpha) {
        int b = size();
        double[] c = new double[b];
        double centre = 0;
        double scale = 1;
        if (weighting == RewardWeighting.SELF_NORMALISED) {
            for (int i = 0; i < b; i++) {
                centre += weights[i] * s[i];
            }
            centre /= b;
            scale = 1 / meanRaw();
        }
        for (int k = 0; k < b; k++) {
            c[k] = alpha / b * derivativeFactor(k) * scale * (s[k] - centre);
        }
        return c;
    }

    private static double mean(double[] values) {
        double s = 0;
        for (double x : values) {
            s += x;
        }
        return s / values.length;
    }
}
