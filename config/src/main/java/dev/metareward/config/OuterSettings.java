package dev.metareward.config;

import java.util.Set;

/** Outer loop: updates of phi from the preference loss of the fine-tuned policy. */
public record OuterSettings(int steps, int batch, Optimizer optimizer, double learningRate, double clipNorm,
                            LossNormalisation lossNormalisation, PhiInit phiInit) {

    /** Outer optimizer of phi. */
    public enum Optimizer { SGD, ADAM }

    /**
     * The margin of loss_PL: SUM compares summed log-probabilities F(c) - F(d) (the paper's Eq. 7); LENGTH compares
     * per-token means F(c)/|c| - F(d)/|d|, as PL accuracy (Eq. 26) does.
     */
    public enum LossNormalisation { SUM, LENGTH }

    /**
     * phi at version 0: RANDOM is the reward model's seeded initialisation (the paper's); BRADLEY_TERRY is that
     * phi trained first with the Bradley-Terry loss on the training domains' pairs (baselines.reward-model's budget),
     * so meta-learning starts from a reward that already ranks the training pairs.
     */
    public enum PhiInit { RANDOM, BRADLEY_TERRY }

    /**
     * An optimizer budget with the paper's summed margin and random phi_0 (as before the options existed; the
     * settings' defaults are in reference.conf).
     */
    public OuterSettings(int steps, int batch, Optimizer optimizer, double learningRate, double clipNorm) {
        this(steps, batch, optimizer, learningRate, clipNorm, LossNormalisation.SUM, PhiInit.RANDOM);
    }

    /** The same settings with another margin. */
    public OuterSettings withLossNormalisation(LossNormalisation normalisation) {
        return new OuterSettings(steps, batch, optimizer, learningRate, clipNorm, normalisation, phiInit);
    }

    /** The {@code outer} block: an optimizer budget, the outer loss's normalisation and phi's initialisation. */
    static OuterSettings read(SettingsReader r) {
        String normalisation = r.oneOf("loss-normalisation", Set.of("sum", "length"));
        String phiInit = r.oneOf("phi-init", Set.of("random", "bradley-terry"));
        OuterSettings budget = readBudget(r);
        return new OuterSettings(budget.steps, budget.batch, budget.optimizer, budget.learningRate, budget.clipNorm,
                "length".equals(normalisation) ? LossNormalisation.LENGTH : LossNormalisation.SUM,
                "bradley-terry".equals(phiInit) ? PhiInit.BRADLEY_TERRY : PhiInit.RANDOM);
    }

    /** An optimizer budget alone (steps, batch, optimizer, learning rate, clip), as the baselines' blocks hold it. */
    static OuterSettings readBudget(SettingsReader r) {
        String opt = r.oneOf("optimizer", Set.of("sgd", "adam"));
        return new OuterSettings(r.intAtLeast("steps", 0), r.intAtLeast("batch", 1),
                "sgd".equals(opt) ? Optimizer.SGD : Optimizer.ADAM, r.positive("learning-rate"),
                r.nonNegative("clip-norm"));
    }
}
