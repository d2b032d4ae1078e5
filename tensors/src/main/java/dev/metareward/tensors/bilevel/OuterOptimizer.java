package dev.metareward.tensors.bilevel;

import dev.metareward.config.OuterSettings;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The outer optimizer of phi (SGD or Adam) with gradient-norm clipping; never applies a non-finite step. */
public final class OuterOptimizer {

    public static OuterOptimizer create(OuterSettings settings, long parameterCount) {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }

    /**
     * Updates {@code phi} in place with {@code gradient} times {@code stepScale} (1 normally, 1/(1+staleness) in
     * async mode). Returns false and leaves phi and the optimizer state bit-for-bit unchanged when the gradient or
     * the resulting step is non-finite; such refusals are counted.
     */
    public boolean step(INDArray phi, INDArray gradient, double stepScale) {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }

    public long refusedSteps() {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }

    /** Snapshot of the optimizer state for checkpoints. */
    public OptimizerState state() {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }

    public void restore(OptimizerState state) {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }

    /** Serializable optimizer state: kind ("sgd"/"adam"), steps taken, Adam moments (empty for SGD). */
    public record OptimizerState(String kind, long steps, double[] firstMoment, double[] secondMoment) {
    }
}
