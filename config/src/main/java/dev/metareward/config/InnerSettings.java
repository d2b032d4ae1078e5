package dev.metareward.config;

import java.util.Set;

/** Inner loop: D reward-weighted SGD steps of the policy (MATH.md "Inner loop"). */
public record InnerSettings(int steps, int batch, double learningRate, double beta, double rewardClamp,
                            RewardWeighting rewardWeights) {

    /**
     * How R_i = exp(r_i / beta) weights the samples of an inner batch: RAW uses R_i (the paper's Eq. 10),
     * SELF_NORMALISED uses R_i / ((1/B) sum_j R_j), so the step size no longer grows with |r|.
     */
    public enum RewardWeighting { SELF_NORMALISED, RAW }

    /** The paper's raw weighting (as before the option existed); the setting's default is in reference.conf. */
    public InnerSettings(int steps, int batch, double learningRate, double beta, double rewardClamp) {
        this(steps, batch, learningRate, beta, rewardClamp, RewardWeighting.RAW);
    }

    /** The same settings with another reward weighting. */
    public InnerSettings withRewardWeights(RewardWeighting weighting) {
        return new InnerSettings(steps, batch, learningRate, beta, rewardClamp, weighting);
    }

    static InnerSettings read(SettingsReader r) {
        String weighting = r.oneOf("reward-weights", Set.of("self-normalised", "raw"));
        return new InnerSettings(r.intAtLeast("steps", 1), r.intAtLeast("batch", 1), r.positive("learning-rate"),
                r.positive("beta"), r.number("reward-clamp", 0.0, true, 700.0),
                "raw".equals(weighting) ? RewardWeighting.RAW : RewardWeighting.SELF_NORMALISED);
    }
}
