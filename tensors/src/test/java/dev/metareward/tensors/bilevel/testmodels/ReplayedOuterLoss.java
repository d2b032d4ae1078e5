package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings.LossNormalisation;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.InnerLoop;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * L(phi) of MATH.md "How the tests check it": restore the domain's data position, run the inner loop from theta_0
 * with phi (D SFT batches), then loss_PL on the next preference batch -- the same draws, in the same order, as
 * {@code DomainMetaStep.compute}. Only forward passes and first derivatives of the policy are used.
 */
public final class ReplayedOuterLoss {

    private final PolicyModel policy;
    private final RewardModel reward;
    private final DomainBatches batches;
    private final byte[] position;
    private final InnerSettings inner;
    private final int pairs;
    private final LossNormalisation normalisation;

    /** Captures the current position of {@code batches}; every evaluation replays from it. */
    public ReplayedOuterLoss(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerSettings inner, int pairs) {
        this(policy, reward, batches, inner, pairs, LossNormalisation.SUM);
    }

    /** Like the other constructor, with loss_PL's margin normalised as {@code normalisation} says. */
    public ReplayedOuterLoss(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerSettings inner, int pairs,
                             LossNormalisation normalisation) {
        this.normalisation = normalisation;
        this.policy = policy;
        this.reward = reward;
        this.batches = batches;
        this.position = batches.position();
        this.inner = inner;
        this.pairs = pairs;
    }

    public double at(INDArray phi) {
        batches.restorePosition(position);
        INDArray theta = InnerLoop.forMetaTraining(policy, reward, inner).run(phi, batches, false).finalTheta();
        PreferenceBatch preferenceBatch = batches.nextPreferenceBatch(pairs);
        return PreferenceLoss.evaluate(policy, theta, preferenceBatch, false, normalisation).loss();
    }

    /** Puts the batches back at the captured position (e.g. before the code under test draws from them). */
    public void rewind() {
        batches.restorePosition(position);
    }
}
