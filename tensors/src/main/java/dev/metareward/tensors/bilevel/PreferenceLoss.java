package dev.metareward.tensors.bilevel;

import dev.metareward.config.OuterSettings.LossNormalisation;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.ValueAndGradient;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The outer loss of the fine-tuned policy (MATH.md "Outer loss", paper Eq. 7/11):
 * loss_PL = -(1/B') sum_j log sigmoid(Delta_j), Delta_j = F(theta; c_j) - F(theta; d_j), and its theta gradient
 * -(1/B') sum_j sigmoid(-Delta_j) (grad F(c_j) - grad F(d_j)). With {@link LossNormalisation#LENGTH} the margin is
 * Delta_j = F(c_j)/|c_j| - F(d_j)/|d_j| (|y| = scored tokens, as in PL accuracy) and each gradient term is divided by
 * its length.
 */
public final class PreferenceLoss {

    private PreferenceLoss() {
    }

    /**
     * loss_PL, the margins Delta_j and (when {@code withGradient}) grad_theta loss_PL.
     *
     * @param gradient null unless requested
     */
    public record Result(double loss, double[] margins, INDArray gradient) {
        public int pairs() {
            return margins.length;
        }
    }

    /** loss_PL with the summed margin (the paper's). */
    public static Result evaluate(PolicyModel policy, INDArray theta, PreferenceBatch pairs, boolean withGradient) {
        return evaluate(policy, theta, pairs, withGradient, LossNormalisation.SUM);
    }

    /** Evaluates loss_PL at {@code theta} on {@code pairs}; the gradient costs one extra forward+backward pass. */
    public static Result evaluate(PolicyModel policy, INDArray theta, PreferenceBatch pairs, boolean withGradient,
                                  LossNormalisation normalisation) {
        int n = pairs.size();
        if (n == 0) {
            throw new IllegalArgumentException("the preference batch is empty: loss_PL needs at least one pair");
        }
        boolean oneBatch = pairs.chosen().length() == pairs.rejected().length();
        double[] chosen;
        double[] rejected;
        if (oneBatch) {
            double[] both = policy.sequenceLogProbs(theta, pairs.chosen().concat(pairs.rejected())).toDoubleVector();
            chosen = Arrays.copyOfRange(both, 0, n);
            rejected = Arrays.copyOfRange(both, n, 2 * n);
        } else {
            chosen = policy.sequenceLogProbs(theta, pairs.chosen()).toDoubleVector();
            rejected = policy.sequenceLogProbs(theta, pairs.rejected()).toDoubleVector();
        }
        double[] chosenScale = new double[n];
        double[] rejectedScale = new double[n];
        for (int j = 0; j < n; j++) {
            boolean perToken = normalisation == LossNormalisation.LENGTH;
            chosenScale[j] = perToken ? 1.0 / scoredTokens(pairs.chosen(), j) : 1.0;
            rejectedScale[j] = perToken ? 1.0 / scoredTokens(pairs.rejected(), j) : 1.0;
        }
        double[] margins = new double[n];
        double loss = 0;
        for (int j = 0; j < n; j++) {
            margins[j] = chosen[j] * chosenScale[j] - rejected[j] * rejectedScale[j];
            loss += softplus(-margins[j]);
        }
        loss /= n;
        if (!Double.isFinite(loss)) {
            throw new NonFiniteValueException("loss_PL is " + loss + ": the policy gave non-finite log-probabilities");
        }
        if (!withGradient) {
            return new Result(loss, margins, null);
        }
        // d loss / d F(c_j) = -sigmoid(-Delta_j) / B' * dDelta_j/dF(c_j), d loss / d F(d_j) likewise with +.
        double[] chosenWeights = new double[n];
        double[] rejectedWeights = new double[n];
        for (int j = 0; j < n; j++) {
            double s = sigmoid(-margins[j]) / n;
            chosenWeights[j] = -s * chosenScale[j];
            rejectedWeights[j] = s * rejectedScale[j];
        }
        INDArray gradient;
        if (oneBatch) {
            double[] w = new double[2 * n];
            System.arraycopy(chosenWeights, 0, w, 0, n);
            System.arraycopy(rejectedWeights, 0, w, n, n);
            gradient = gradient(policy, theta, pairs.chosen().concat(pairs.rejected()), w);
        } else {
            gradient = gradient(policy, theta, pairs.chosen(), chosenWeights)
                    .addi(gradient(policy, theta, pairs.rejected(), rejectedWeights));
        }
        return new Result(loss, margins, gradient);
    }

    /** |y| of row {@code row}: its scored tokens; a row with none cannot be length-normalised. */
    private static int scoredTokens(TokenBatch batch, int row) {
        int n = batch.scoredCount(row);
        if (n == 0) {
            throw new IllegalArgumentException("preference row " + row + " has no scored token: its length-normalised "
                    + "log-probability is undefined");
        }
        return n;
    }

    private static INDArray gradient(PolicyModel policy, INDArray theta, TokenBatch batch, double[] weights) {
        ValueAndGradient vg = policy.sequenceLogProbsAndGradient(theta, batch, weights);
        return vg.gradient().castTo(theta.dataType()).dup();
    }

    /** log(1 + e^x) without overflow or loss of precision for large |x|; -log sigmoid(Delta) = softplus(-Delta). */
    public static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** 1 / (1 + e^-x) without overflow. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
