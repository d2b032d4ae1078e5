package dev.metareward.tensors.bilevel;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One domain's share of an outer step of Algorithm 1: restart theta from theta_0, run the inner loop with phi,
 * evaluate loss_PL on a preference batch and return the hypergradient (MATH.md).
 */
public final class DomainMetaStep {

    public DomainMetaStep(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerSettings inner,
                          OuterSettings outer, HypergradientSettings hypergradient) {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }

    /** Computes this domain's contribution with {@code phi} (not modified) at {@code phiVersion}. */
    public Contribution compute(INDArray phi, long phiVersion) {
        throw new UnsupportedOperationException("skeleton: implemented by the bilevel work");
    }
}
