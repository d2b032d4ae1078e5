package dev.metareward.tensors.baselines;

import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.util.List;

/**
 * RM-MT's reward model: phi trained by {@link BradleyTerryLoss} on the training domains' preference pairs (pooled
 * training splits), from the same initial phi the meta-learner starts from for a seed.
 */
public final class RewardModelTrainer {

    private final RewardModel reward;
    private final Batcher batcher;
    private final OuterSettings budget;
    private final int selectEvery;

    /** @param selectEvery model selection on the training domains' evaluation pairs every this many steps (0 = off) */
    public RewardModelTrainer(RewardModel reward, Batcher batcher, OuterSettings budget, int selectEvery) {
        this.reward = reward;
        this.batcher = batcher;
        this.budget = budget;
        this.selectEvery = selectEvery;
    }

    /**
     * Trains phi from {@code reward.initialParameters(seed)}; batches are drawn in an order derived from the seed.
     *
     * @param trainingDomains domains whose training-split pairs train phi (never a held-out domain)
     * @return phi as {@link BaselineResult#parameters()}, labelled {@link BaselineResult#RM_MT}
     */
    public BaselineResult train(List<DomainData> trainingDomains, long seed, PhaseListener listener) {
        PreferenceDescent.Outcome outcome = PreferenceDescent.run("Bradley-Terry reward model",
                reward.initialParameters(seed),
                PooledData.preferences("Bradley-Terry reward model", trainingDomains, batcher, seed), budget,
                (phi, batch) -> BradleyTerryLoss.evaluate(reward, phi, batch, true),
                Selection.forRewardModel(selectEvery, reward, batcher, trainingDomains), listener);
        return new BaselineResult(BaselineResult.RM_MT, outcome.parameters(), outcome.stepLosses(),
                outcome.refusedSteps(), outcome.selectedStep(), PooledData.names(trainingDomains), false);
    }
}
