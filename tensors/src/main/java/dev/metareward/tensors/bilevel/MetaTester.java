package dev.metareward.tensors.bilevel;

import dev.metareward.config.InnerSettings;
import dev.metareward.config.MetaTestSettings;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Algorithm 2 (meta-test): fine-tune a fresh policy from theta_0 on a held-out domain's SFT batches with a fixed,
 * meta-learned phi, by the same reward-weighted SGD as the inner loop (batch size and learning rate of
 * {@code meta-test}, beta, reward clamp and reward weighting of {@code inner}). Only theta_N is kept, not the
 * trajectory. The rewards normally come from the reward model with phi; {@link #MetaTester(PolicyModel, InnerReward,
 * InnerSettings, MetaTestSettings)} takes any other source (the ceiling row's true reward).
 */
public final class MetaTester {

    private final PolicyModel policy;
    private final InnerReward reward;
    private final InnerSettings inner;
    private final MetaTestSettings metaTest;

    public MetaTester(PolicyModel policy, RewardModel reward, InnerSettings inner, MetaTestSettings metaTest) {
        this(policy, reward::rewards, inner, metaTest);
    }

    public MetaTester(PolicyModel policy, InnerReward reward, InnerSettings inner, MetaTestSettings metaTest) {
        this.policy = policy;
        this.reward = reward;
        this.inner = inner;
        this.metaTest = metaTest;
    }

    /** Fine-tunes for {@code meta-test.steps} steps from theta_0; {@code finalTheta()} of the result is the policy. */
    public InnerTrajectory fineTune(INDArray phi, DomainBatches heldOut) {
        return fineTune(phi, policy.initialParameters(), heldOut, metaTest.steps());
    }

    /** Fine-tunes for {@code steps} steps (e.g. {@code meta-test.evaluator-steps} for the reduced budget). */
    public InnerTrajectory fineTune(INDArray phi, DomainBatches heldOut, int steps) {
        return fineTune(phi, policy.initialParameters(), heldOut, steps);
    }

    /** Fine-tunes from a copy of {@code theta0} (e.g. an SFT policy) for {@code steps} steps. */
    public InnerTrajectory fineTune(INDArray phi, INDArray theta0, DomainBatches heldOut, int steps) {
        return InnerLoop.forMetaTest(policy, reward, inner, metaTest, steps).run(phi, theta0, heldOut, false);
    }
}
