package dev.metareward.config;

import java.util.Set;

/** Outer loop: updates of phi from the preference loss of the fine-tuned policy. */
public record OuterSettings(int steps, int batch, Optimizer optimizer, double learningRate, double clipNorm,
                            LossNormalisation lossNormalisation) {

    /** Outer optimizer of phi. */
    public enum Optimizer { SGD, ADAM }

    /**
     * The margin of loss_PL: SUM compares summed log-probabilities F(c) - F(d) (the paper's Eq. 7); LENGTH compares
     * per-token means F(c)/|c| - F(d)/|d|, as PL accuracy (Eq. 26) does.
     */
    public enum LossNormalisation { SUM, LENGTH }

    /** The paper's summed margin (as before the option existed); the setting's default is in reference.conf. */
    public OuterSettings(int steps, int batch, Optimizer optimizer, double learningRate, double clipNorm) {
        this(steps, batch, optimizer, learningRate, clipNorm, LossNormalisation.SUM);
    }

    /** The same settings with another margin. */
    public OuterSettings withLossNormalisation(LossNormalisation normalisation) {
        return new OuterSettings(steps, batch, optimizer, learningRate, clipNorm, normalisation);
    }

    /** The {@code outer} block: an optimizer budget and the outer loss's normalisation. */
    static OuterSettings read(SettingsReader r) {
        String normalisation = r.oneOf("loss-normalisation", Set.of("sum", "length"));
        return readBudget(r).withLossNormalisation(
                "length".equals(normalisation) ? LossNormalisation.LENGTH : LossNormalisation.SUM);
    }

    /** An optimizer budget alone (steps, batch, optimizer, learning rate, clip), as the baselines' blocks hold it. */
    static OuterSettings readBudget(SettingsReader r) {
        String opt = r.oneOf("optimizer", Set.of("sgd", "adam"));
        return new OuterSettings(r.intAtLeast("steps", 0), r.intAtLeast("batch", 1),
                "sgd".equals(opt) ? Optimizer.SGD : Optimizer.ADAM, r.positive("learning-rate"),
                r.nonNegative("clip-norm"));
    }
}
