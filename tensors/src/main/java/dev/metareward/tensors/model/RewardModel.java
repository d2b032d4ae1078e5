package dev.metareward.tensors.model;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A scalar reward model r_phi(x, y) whose trainable parameters phi are one flat vector. */
public interface RewardModel {

    long parameterCount();

    /** Initial phi for a seed (fresh copy). */
    INDArray initialParameters(long seed);

    /** r_i(phi) for every row, shape [B]. */
    INDArray rewards(INDArray phi, TokenBatch batch);

    /** r_i(phi) and the gradient of sum_i weights[i] * r_i(phi) with respect to phi. */
    ValueAndGradient rewardsAndGradient(INDArray phi, TokenBatch batch, double[] weights);
}
