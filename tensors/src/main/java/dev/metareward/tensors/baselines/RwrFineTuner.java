package dev.metareward.tensors.baselines;

import dev.metareward.config.InnerSettings;
import dev.metareward.config.MetaTestSettings;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.InnerLoop;
import dev.metareward.tensors.bilevel.InnerTrajectory;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The policy rows that fine-tune theta_0 by reward-weighted regression: exactly the meta-test's fine-tuning
 * ({@link InnerLoop#forMetaTest}: {@code meta-test.steps} steps, its batch and learning rate, the inner loop's beta,
 * clamp and weighting), so a row differs from the meta-test only in its phi and its SFT data.
 */
public final class RwrFineTuner {

    private final PolicyModel policy;
    private final Batcher batcher;
    private final InnerSettings inner;
    private final MetaTestSettings metaTest;

    public RwrFineTuner(PolicyModel policy, Batcher batcher, InnerSettings inner, MetaTestSettings metaTest) {
        this.policy = policy;
        this.batcher = batcher;
        this.inner = inner;
        this.metaTest = metaTest;
    }

    /** The SFT row: theta_0 (the warm-started base with its adapter at its initial value), nothing trained. */
    public BaselineResult sft() {
        return new BaselineResult(BaselineResult.SFT, policy.initialParameters(), new double[0], 0, 0, List.of(), false);
    }

    /**
     * RM-MT + RWR: theta_0 fine-tuned with the reward {@code reward} at {@code phi} (e.g. from
     * {@link RewardModelTrainer}) on the pooled SFT training splits of {@code trainingDomains} and, for TR+TE, of
     * {@code heldOutDomains}.
     *
     * @param heldOutDomains empty for the TR row, the held-out domain(s) for TR+TE
     */
    public BaselineResult rmMtRwr(RewardModel reward, INDArray phi, List<DomainData> trainingDomains,
                                  List<DomainData> heldOutDomains, long seed) {
        String label = heldOutDomains.isEmpty() ? BaselineResult.RM_MT_RWR_TR : BaselineResult.RM_MT_RWR_TR_TE;
        return fineTune(label, reward, phi, PooledData.concat(trainingDomains, heldOutDomains), seed);
    }

    /**
     * The control for the meta-test: theta_0 fine-tuned on the held-out domain's SFT training split with equal weights
     * (r = 0 for every sample), the same steps, batch and learning rate as the meta-test. The batches come from
     * {@link DomainSampler#overTrainSplit} with {@code samplerSeed}: given the meta-test's sampler seed
     * ({@code SplitMix64.derive(run.seed, "meta-test", domain)} in {@code HeldOutEvaluation}) they are exactly the
     * meta-test's batches, so the rows differ only in the weights.
     */
    public BaselineResult sftContinued(DomainData heldOut, long samplerSeed) {
        return fineTune(BaselineResult.SFT_CONTINUED, UniformReward.INSTANCE, UniformReward.INSTANCE.initialParameters(0),
                DomainSampler.overTrainSplit(heldOut, batcher, samplerSeed), List.of(heldOut.domain()));
    }

    private BaselineResult fineTune(String label, RewardModel reward, INDArray phi, List<DomainData> domains, long seed) {
        return fineTune(label, reward, phi, PooledData.sft(label, domains, batcher, seed), PooledData.names(domains));
    }

    private BaselineResult fineTune(String label, RewardModel reward, INDArray phi, DomainBatches data,
                                    List<String> domains) {
        InnerTrajectory run = InnerLoop.forMetaTest(policy, reward::rewards, inner, metaTest, metaTest.steps())
                .run(phi, policy.initialParameters(), data, false);
        return new BaselineResult(label, run.finalTheta(), run.fineTuneLoss(), 0, metaTest.steps(), domains, false);
    }
}
