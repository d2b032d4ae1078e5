package dev.metareward.config;

import java.util.List;
import java.util.Set;

/**
 * Algorithm 2 on held-out domains: policy fine-tuning with a fixed phi, and generation scoring.
 *
 * @param fineTuningData what the reward-weighted steps fine-tune on: the domain's SFT data (the paper's Algorithm 2)
 *                       or continuations the policy samples itself for the SFT data's prompts, scored by the reward
 */
public record MetaTestSettings(int steps, int batch, double learningRate, int evaluatorSteps,
                               List<Double> temperatures, int generationPrompts, FineTuningData fineTuningData) {

    /** What the meta-test's reward-weighted steps fine-tune on. */
    public enum FineTuningData { SFT_DATA, OWN_SAMPLES }

    public MetaTestSettings {
        temperatures = List.copyOf(temperatures);
    }

    /** The paper's meta-test: fine-tuning on the held-out domain's SFT data. */
    public MetaTestSettings(int steps, int batch, double learningRate, int evaluatorSteps, List<Double> temperatures,
                            int generationPrompts) {
        this(steps, batch, learningRate, evaluatorSteps, temperatures, generationPrompts, FineTuningData.SFT_DATA);
    }

    static MetaTestSettings read(SettingsReader r) {
        List<Double> temperatures = r.numbers("temperatures");
        for (double t : temperatures) {
            if (!(t > 0 && Double.isFinite(t))) {
                r.problem("temperatures", "expected temperatures > 0 but found " + t);
            }
        }
        FineTuningData data = "own-samples".equals(r.oneOf("fine-tuning-data", Set.of("sft-data", "own-samples")))
                ? FineTuningData.OWN_SAMPLES : FineTuningData.SFT_DATA;
        return new MetaTestSettings(r.intAtLeast("steps", 0), r.intAtLeast("batch", 1), r.positive("learning-rate"),
                r.intAtLeast("evaluator-steps", 0), temperatures, r.intAtLeast("generation-prompts", 0), data);
    }
}
