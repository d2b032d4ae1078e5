package dev.metareward.tensors.baselines;

import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.model.PolicyModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Direct preference optimisation: loss_DPO(theta) = -(1/n) sum_j log sigmoid(z_j) with
 * z_j = b [(F_theta(c_j) - F_ref(c_j)) - (F_theta(d_j) - F_ref(d_j))], F = log pi(y | x) summed over scored tokens
 * and F_ref the reference policy's (held constant). Gradient: -(b/n) sum_j sigmoid(-z_j) (grad F(c_j) - grad F(d_j)).
 */
public final class DpoLoss {

    private DpoLoss() {
    }

    /** The reference margins F_ref(c_j) - F_ref(d_j) of a batch, computed once with the reference parameters. */
    public record ReferenceMargins(double[] margins) {
        public int pairs() {
            return margins.length;
        }
    }

    /** F_ref(c_j) - F_ref(d_j) for every pair, with the policy at {@code referenceTheta}. */
    public static ReferenceMargins referenceMargins(PolicyModel policy, INDArray referenceTheta, PreferenceBatch pairs) {
        PairScores scores = PairScores.of(RowScorer.logProbsOf(policy), referenceTheta, pairs);
        double[] margins = new double[pairs.size()];
        for (int j = 0; j < margins.length; j++) {
            margins[j] = scores.chosen()[j] - scores.rejected()[j];
        }
        return new ReferenceMargins(margins);
    }

    /**
     * loss_DPO at theta, the logits z_j as margins and, when requested, grad_theta loss_DPO (else null).
     *
     * @param beta b > 0
     */
    public static PreferenceLoss.Result evaluate(PolicyModel policy, INDArray theta, PreferenceBatch pairs,
                                                 ReferenceMargins reference, double beta, boolean withGradient) {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("the DPO beta must be a finite number > 0 but was " + beta);
        }
        return LogisticPairLoss.evaluate(RowScorer.logProbsOf(policy), theta, pairs, beta, reference.margins(),
                withGradient, "the DPO loss");
    }
}
