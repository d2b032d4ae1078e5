package dev.metareward.config;

import java.util.Set;

/** Outer loop: updates of phi from the preference loss of the fine-tuned policy. */
public record OuterSettings(int steps, int batch, Optimizer optimizer, double learningRate, double clipNorm) {

    /** Outer optimizer of phi. */
    public enum Optimizer { SGD, ADAM }

    static OuterSettings read(SettingsReader r) {
        String opt = r.oneOf("optimizer", Set.of("sgd", "adam"));
        return new OuterSettings(r.intAtLeast("steps", 0), r.intAtLeast("batch", 1),
                "sgd".equals(opt) ? Optimizer.SGD : Optimizer.ADAM, r.positive("learning-rate"),
                r.nonNegative("clip-norm"));
    }
}
