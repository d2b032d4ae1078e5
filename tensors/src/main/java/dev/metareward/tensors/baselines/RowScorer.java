package dev.metareward.tensors.baselines;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import java.util.function.BiFunction;
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
        return of(policy::sequenceLogProbs, policy::sequenceLogProbsAndGradient);
    }

    /** r_i(phi). */
    static RowScorer rewardsOf(RewardModel reward) {
        return of(reward::rewards, reward::rewardsAndGradient);
    }

    /** The gradient half of a scorer, as a model method reference. */
    @FunctionalInterface
    interface WeightedGradient {
        ValueAndGradient apply(INDArray parameters, TokenBatch batch, double[] weights);
    }

    private static RowScorer of(BiFunction<INDArray, TokenBatch, INDArray> values, WeightedGradient gradient) {
        return new RowScorer() {
            @Override
            public INDArray values(INDArray parameters, TokenBatch batch) {
                return values.apply(parameters, batch);
            }

            @Override
            public ValueAndGradient valuesAndGradient(INDArray parameters, TokenBatch batch, double[] weights) {
                return gradient.apply(parameters, batch, weights);
            }
        };
    }
}
