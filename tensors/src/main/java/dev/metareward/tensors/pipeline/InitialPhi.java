package dev.metareward.tensors.pipeline;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.baselines.RewardModelTrainer;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.model.RewardModel;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * phi at version 0 as outer.phi-init asks, the one derivation {@code train} (on every node) and the experiment's
 * folds share: the reward model's initialisation from the run seed, or that phi trained with the Bradley-Terry loss
 * on the training domains' pairs (docs/MATH.md "Initial phi"). Both are deterministic in the seed and the data.
 */
public final class InitialPhi {
    private static final Logger LOG = LoggerFactory.getLogger(InitialPhi.class);

    private InitialPhi() {
    }

    /**
     * @param config run.seed, data.training-domains (whose pairs a Bradley-Terry start may read), outer.phi-init and
     *               baselines.reward-model's budget
     * @param reward the reward model phi parameterises (its base is the warm-started one)
     */
    public static INDArray of(MetarewardConfig config, RewardModel reward, Batcher batcher, MultiDomainData data,
                              PhaseListener listener) {
        long seed = SplitMix64.derive(config.run().seed(), "phi-init");
        return switch (config.outer().phiInit()) {
            case RANDOM -> reward.initialParameters(seed);
            case BRADLEY_TERRY -> {
                List<DomainData> training = config.data().trainingDomains().stream().map(data::domain).toList();
                LOG.info("phi_0: training a Bradley-Terry reward model on {} ({} steps, outer.phi-init)",
                        config.data().trainingDomains(), config.baselines().rewardModel().steps());
                INDArray phi = new RewardModelTrainer(reward, batcher, config.baselines().rewardModel(),
                        config.baselines().selectEvery()).train(training, seed, listener).parameters();
                yield phi;
            }
        };
    }
}
