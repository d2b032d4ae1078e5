package dev.metareward.tensors.bilevel;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the reverse pass needs from inner step t: theta_t (before the update), the batch S_t and its reward
 * weights R_i (held fixed in the Hessian-vector products), and, when the inner loop kept it, the Jacobian
 * d r_i / d phi of the batch's rewards ([B, |phi|], null otherwise), from which the hypergradient's direct term is a
 * product instead of another reward pass.
 */
public record InnerStep(INDArray theta, TokenBatch batch, RewardWeights rewardWeights, INDArray rewardJacobian) {

    /** A step without a reward Jacobian. */
    public InnerStep(INDArray theta, TokenBatch batch, RewardWeights rewardWeights) {
        this(theta, batch, rewardWeights, null);
    }
}
