package dev.metareward.actors.worker;

import dev.metareward.tensors.bilevel.Contribution;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One domain's share of an outer step: the hypergradient contribution at a given phi. The production
 * implementation is {@link MeteredMetaStep}; it is created on the worker's own thread and used only there.
 */
@FunctionalInterface
public interface ContributionComputer {

    /** Computes the contribution with {@code phi} (read only) at {@code phiVersion}. */
    Contribution compute(INDArray phi, long phiVersion);
}
