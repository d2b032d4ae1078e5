package dev.metareward.tensors.baselines;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One scalar per row of a batch and the gradient of their weighted sum: F_i(theta) of a policy or r_i(phi) of a
 * reward model. Lets one pairwise loss serve both the reward-model loss (Bradley-Terry) and the policy losses (DPO).
 */
interface RowScorer {

    /** Per-row values, shape [B]. */
    INDArray values(INDArray parameters, TokenBatch batch);

    /** Per-row values and the gradient of sum_i weights[i] * value_i with respect to the parameters. */
    ValueAndGradient valuesAndGradient(INDArray parameters, TokenBatch batch, double[] weights);

    /** F_i(theta) = log pi_theta(y_i | x_i). */
    static RowScorer logProbsOf(PolicyModel policy) {
        return new RowScorer() {
            @Override
            public INDArray values(INDArray theta, TokenBatch batch) {
                return policy.sequenceLogProbs(theta, batch);
            }

            @Override
            public ValueAndGradient valuesAndGradient(INDArray theta, TokenBatch batch, double[] weights) {
                return policy.sequenceLogProbsAndGradient(theta, batch, weights);
            }
        };
    }

    /** r_i(phi). */
    static RowScorer rewardsOf(RewardModel reward) {
        return new RowScorer() {
            @Override
            public INDArray values(INDArray phi, TokenBatch batch) {
                return reward.rewards(phi, batch);
            }

            @Override
            public ValueAndGradient valuesAndGradient(INDArray phi, TokenBatch batch, double[] weights) {
                return reward.rewardsAndGradient(phi, batch, weights);
            }
        };
    }
}
