package dev.metareward.tensors.model;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A language policy pi_theta whose trainable parameters theta are one flat vector (so the bilevel code can form
 * theta + eps * v without knowing the architecture). F_i(theta) = log pi_theta(y_i | x_i) over scored tokens.
 */
public interface PolicyModel {

    /** Number of entries of theta. */
    long parameterCount();

    /** theta_0, a fresh copy each call (the inner loop restarts from it every outer step). */
    INDArray initialParameters();

    /** F_i(theta) for every row of the batch, shape [B], in the model's data type. */
    INDArray sequenceLogProbs(INDArray theta, TokenBatch batch);

    /**
     * F_i(theta) for every row and the gradient of sum_i weights[i] * F_i(theta) with respect to theta
     * (one backward pass, weights held constant).
     */
    ValueAndGradient sequenceLogProbsAndGradient(INDArray theta, TokenBatch batch, double[] weights);

    /** Logits of the next token after position {@code lastIndex[b]} of every row, shape [B, vocab] (for sampling). */
    INDArray nextTokenLogits(INDArray theta, TokenBatch prefix);
}
