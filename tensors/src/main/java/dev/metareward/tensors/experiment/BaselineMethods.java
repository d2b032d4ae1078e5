package dev.metareward.tensors.experiment;

import dev.metareward.config.ConfigError;
import dev.metareward.tensors.baselines.BaselineResult;
import dev.metareward.tensors.baselines.Baselines;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The comparison rows of docs/BASELINES.md as experiment methods. Each learns only from the fold's training domains
 * (their preference pairs, and SFT data where the row says so) and starts from the shared warm-started base; the
 * gradient-descent rows keep their best step on the training domains' evaluation pairs, as the learned phi does.
 */
final class BaselineMethods {

    private BaselineMethods() {
    }

    /** The meta-test's fine-tuning with equal weights: what extra held-out SFT steps do without any reward. */
    static HeldOutMethod sftContinued() {
        return context -> {
            Baselines baselines = baselines(context);
            // The meta-test's own sampler seed: the very batches the phi rows fine-tune on.
            return (heldOut, curve) -> baselines.rwr().sftContinued(heldOut,
                    SplitMix64.derive(context.seed(), "meta-test", heldOut.domain())).parameters();
        };
    }

    /**
     * RM-MT + RWR: a Bradley-Terry reward model trained on the training domains' pairs, then reward-weighted
     * fine-tuning with it on the training domains' SFT data (TR) or on those and the held-out domain's (TR+TE).
     */
    static HeldOutMethod rewardModelThenRwr(boolean withHeldOutSft) {
        return context -> {
            Baselines baselines = baselines(context);
            List<DomainData> training = trainingDomains(context);
            BaselineResult rewardModel = baselines.rewardModel().train(training,
                    SplitMix64.derive(context.seed(), "baseline", "reward-model"), context.listener());
            long seed = SplitMix64.derive(context.seed(), "baseline", "rwr");
            return new HeldOutMethod.Prepared() {
                @Override
                public INDArray policyFor(DomainData heldOut, HeldOutMethod.Curve curve) {
                    return baselines.rwr().rmMtRwr(context.model().reward(), rewardModel.parameters(), training,
                            withHeldOutSft ? List.of(heldOut) : List.of(), seed).parameters();
                }

                @Override
                public Map<String, Double> diagnostics() {
                    return Map.of("reward_model_selected_step", (double) rewardModel.selectedStep());
                }
            };
        };
    }

    /** DPO on the training domains' pairs with the SFT policy as reference. */
    static HeldOutMethod dpo() {
        return context -> trained(baselines(context).dpo().train(trainingDomains(context),
                SplitMix64.derive(context.seed(), "baseline", "dpo"), context.listener()));
    }

    /** HPL on the training domains' pairs only (the honest variant; the held-out pairs never train here). */
    static HeldOutMethod hpl() {
        return context -> trained(baselines(context).hpl().train(trainingDomains(context), List.of(),
                SplitMix64.derive(context.seed(), "baseline", "hpl"), context.listener()));
    }

    /** The ceiling: the meta-test with the data set's known reward in place of r_phi (built-in data only). */
    static HeldOutMethod trueReward() {
        return context -> {
            HeldOutEvaluation evaluation = context.evaluation();
            int steps = context.config().metaTest().steps();
            int every = context.config().experiment().curveEvery();
            return (heldOut, curve) -> evaluation.fineTuneWithCeiling(heldOut, steps, every, curve).orElseThrow(() ->
                    new ConfigError(List.of("'metareward.experiment.methods' names the ceiling row, but "
                            + context.config().data().dir().toAbsolutePath() + " holds no built-in data set, so "
                            + "there is no known reward to fine-tune with; remove that method")));
        };
    }

    private static HeldOutMethod.Prepared trained(BaselineResult result) {
        return new HeldOutMethod.Prepared() {
            @Override
            public INDArray policyFor(DomainData heldOut, HeldOutMethod.Curve curve) {
                return result.parameters();
            }

            @Override
            public Map<String, Double> diagnostics() {
                return Map.of("selected_step", (double) result.selectedStep());
            }
        };
    }

    private static Baselines baselines(FoldContext context) {
        return Baselines.of(context.config(), context.model().policy(), context.model().reward(), context.batcher());
    }

    private static List<DomainData> trainingDomains(FoldContext context) {
        return context.fold().trainingDomains().stream().map(context.data()::domain).toList();
    }
}
