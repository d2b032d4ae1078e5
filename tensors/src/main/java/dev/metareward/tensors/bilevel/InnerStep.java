package dev.metareward.tensors.bilevel;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the reverse pass needs from inner step t: theta_t (before the update), the batch S_t and its reward
 * weights R_i (held fixed in the Hessian-vector products).
 */
public record InnerStep(INDArray theta, TokenBatch batch, RewardWeights rewardWeights) {
}
