package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A real policy with another theta_0: every call goes to {@code delegate} except {@link #initialParameters()}, which
 * returns a copy of the given starting point. Tests use it to start the inner loop where every parameter group
 * already matters (e.g. LoRA B non-zero, which the transformer policy's own theta_0 never has).
 */
public final class StartingPointPolicy implements PolicyModel {

    private final PolicyModel delegate;
    private final INDArray theta0;

    public StartingPointPolicy(PolicyModel delegate, INDArray theta0) {
        if (theta0.length() != delegate.parameterCount()) {
            throw new IllegalArgumentException("theta_0 has " + theta0.length() + " entries but the policy has "
                    + delegate.parameterCount() + " parameters");
        }
        this.delegate = delegate;
        this.theta0 = theta0.dup();
    }

    @Override
    public long parameterCount() {
        return delegate.parameterCount();
    }

    @Override
    public INDArray initialParameters() {
        return theta0.dup();
    }

    @Override
    public INDArray sequenceLogProbs(INDArray theta, TokenBatch batch) {
        return delegate.sequenceLogProbs(theta, batch);
    }

    @Override
    public ValueAndGradient sequenceLogProbsAndGradient(INDArray theta, TokenBatch batch, double[] weights) {
        return delegate.sequenceLogProbsAndGradient(theta, batch, weights);
    }

    @Override
    public INDArray nextTokenLogits(INDArray theta, TokenBatch prefix) {
        return delegate.nextTokenLogits(theta, prefix);
    }
}
