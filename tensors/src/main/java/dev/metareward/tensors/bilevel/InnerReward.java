package dev.metareward.tensors.bilevel;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where the inner loop's rewards r_i come from. In meta-training and the ordinary meta-test it is the reward model
 * r_phi ({@code rewardModel::rewards}); the meta-test's ceiling row puts a fixed scorer here instead (one that ignores
 * phi), so that the same reward-weighted fine-tuning can be run with the true reward.
 */
@FunctionalInterface
public interface InnerReward {

    /** r_i for every row of {@code batch} given phi, as a vector of length {@code batch.size()}. */
    INDArray rewards(INDArray phi, TokenBatch batch);
}
