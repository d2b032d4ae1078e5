package dev.metareward.tensors.baselines;

import dev.metareward.config.BaselineSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;

/** Every baseline trainer of a run, built from its settings ({@code baselines}, {@code inner}, {@code meta-test}). */
public record Baselines(RewardModelTrainer rewardModel, RwrFineTuner rwr, DpoTrainer dpo, HplTrainer hpl) {

    public static Baselines of(MetarewardConfig config, PolicyModel policy, RewardModel reward, Batcher batcher) {
        BaselineSettings b = config.baselines();
        return new Baselines(new RewardModelTrainer(reward, batcher, b.rewardModel(), b.selectEvery()),
                new RwrFineTuner(policy, batcher, config.inner(), config.metaTest()),
                new DpoTrainer(policy, batcher, b.dpo(), b.dpoBeta(), b.selectEvery()),
                new HplTrainer(policy, batcher, b.hpl(), b.selectEvery()));
    }
}
