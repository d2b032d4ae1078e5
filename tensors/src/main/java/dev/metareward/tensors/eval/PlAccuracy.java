package dev.metareward.tensors.eval;

import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PL accuracy (paper Eq. 26): the fraction of preference pairs whose chosen answer has the higher length-normalised
 * log-likelihood, F(c)/|c| > F(d)/|d|, with |y| the number of scored tokens ({@link TokenBatch#scoredCount}).
 * A tie counts as wrong. Counts add up over batches with {@link Counts#plus}.
 *
 * <p>Ties are decided with a relative tolerance: the same answer scored in two rows of one batch can differ in its
 * last bits (the GEMM's accumulation order depends on the row), so exact equality would let rounding decide a tie.
 * {@link #evaluate} uses {@link #tieTolerance(DataType)} of the policy's output type.
 */
public final class PlAccuracy {

    private PlAccuracy() {
    }

    /** Correct and total pairs; {@link #accuracy()} is NaN for no pairs. */
    public record Counts(long correct, long total) {
        public static final Counts NONE = new Counts(0, 0);

        public Counts plus(Counts other) {
            return new Counts(correct + other.correct, total + other.total);
        }

        public double accuracy() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }
    }

    /** Scores {@code pairs} with the policy at {@code theta}. */
    public static Counts evaluate(PolicyModel policy, INDArray theta, PreferenceBatch pairs) {
        int n = pairs.size();
        double[] chosen;
        double[] rejected;
        DataType dtype;
        if (pairs.chosen().length() == pairs.rejected().length()) {
            INDArray both = policy.sequenceLogProbs(theta, pairs.chosen().concat(pairs.rejected()));
            dtype = both.dataType();
            chosen = Arrays.copyOfRange(both.toDoubleVector(), 0, n);
            rejected = Arrays.copyOfRange(both.toDoubleVector(), n, 2 * n);
        } else {
            INDArray c = policy.sequenceLogProbs(theta, pairs.chosen());
            dtype = c.dataType();
            chosen = c.toDoubleVector();
            rejected = policy.sequenceLogProbs(theta, pairs.rejected()).toDoubleVector();
        }
        return count(chosen, rejected, pairs, tieTolerance(dtype));
    }

    /** Relative difference below which two normalised log-likelihoods tie: 1e-12 in float64, 1e-5 otherwise. */
    public static double tieTolerance(DataType dtype) {
        return dtype == DataType.DOUBLE ? 1e-12 : 1e-5;
    }

    /**
     * Counts from per-pair log-likelihoods already computed (F(c_j), F(d_j)); the chosen answer wins when
     * F(c)/|c| - F(d)/|d| > relativeTieTolerance * max(|F(c)/|c||, |F(d)/|d||).
     */
    public static Counts count(double[] chosenLogProbs, double[] rejectedLogProbs, PreferenceBatch pairs,
                               double relativeTieTolerance) {
        long correct = 0;
        for (int j = 0; j < pairs.size(); j++) {
            double c = chosenLogProbs[j] / scoredLength(pairs.chosen(), j, "chosen");
            double d = rejectedLogProbs[j] / scoredLength(pairs.rejected(), j, "rejected");
            if (c - d > relativeTieTolerance * Math.max(Math.abs(c), Math.abs(d))) {
                correct++;
            }
        }
        return new Counts(correct, pairs.size());
    }

    private static int scoredLength(TokenBatch batch, int row, String which) {
        int n = batch.scoredCount(row);
        if (n == 0) {
            throw new IllegalArgumentException("the " + which + " answer of pair " + row + " has no scored token; every "
                    + "answer scores at least its EOS, so the preference batch is malformed");
        }
        return n;
    }
}
