package dev.metareward.config;

/** Inner loop: D reward-weighted SGD steps of the policy (MATH.md "Inner loop"). */
public record InnerSettings(int steps, int batch, double learningRate, double beta, double rewardClamp) {
    static InnerSettings read(SettingsReader r) {
        return new InnerSettings(r.intAtLeast("steps", 1), r.intAtLeast("batch", 1), r.positive("learning-rate"),
                r.positive("beta"), r.number("reward-clamp", 0.0, true, 700.0));
    }
}
