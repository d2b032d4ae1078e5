package dev.metareward.config;

import java.util.List;

/** Algorithm 2 on held-out domains: policy fine-tuning with a fixed phi, and generation scoring. */
public record MetaTestSettings(int steps, int batch, double learningRate, int evaluatorSteps,
                               List<Double> temperatures, int generationPrompts) {
    public MetaTestSettings {
        temperatures = List.copyOf(temperatures);
    }

    static MetaTestSettings read(SettingsReader r) {
        List<Double> temperatures = r.numbers("temperatures");
        for (double t : temperatures) {
            if (!(t > 0 && Double.isFinite(t))) {
                r.problem("temperatures", "expected temperatures > 0 but found " + t);
            }
        }
        return new MetaTestSettings(r.intAtLeast("steps", 0), r.intAtLeast("batch", 1), r.positive("learning-rate"),
                r.intAtLeast("evaluator-steps", 0), temperatures, r.intAtLeast("generation-prompts", 0));
    }
}
