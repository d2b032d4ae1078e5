package dev.metareward.tensors.bilevel;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.config.OuterSettings.LossNormalisation;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One domain's share of an outer step of Algorithm 1: restart theta from theta_0, run the inner loop with phi,
 * evaluate loss_PL on a preference batch and return the hypergradient (MATH.md).
 *
 * <p>Each call draws D SFT batches and then one preference batch of {@code outer.batch()} pairs from the domain's
 * {@link DomainBatches}, so the result is a deterministic function of phi and the batches' position. Not thread-safe:
 * one instance belongs to one domain worker.
 */
public final class DomainMetaStep {

    private final PolicyModel policy;
    private final RewardModel reward;
    private final DomainBatches batches;
    private final InnerLoop innerLoop;
    private final Hypergradient hypergradient;
    private final int pairsPerStep;
    private final LossNormalisation lossNormalisation;

    public DomainMetaStep(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerSettings inner,
                          OuterSettings outer, HypergradientSettings hypergradient) {
        this(policy, reward, batches, InnerLoop.forMetaTraining(policy, reward, inner),
                new Hypergradient(policy, reward, hypergradient), outer.batch(), outer.lossNormalisation());
    }

    /** Full control over the parts (e.g. a different reward chunk size in the hypergradient). */
    public DomainMetaStep(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerLoop innerLoop,
                          Hypergradient hypergradient, int pairsPerStep, LossNormalisation lossNormalisation) {
        if (pairsPerStep < 1) {
            throw new IllegalArgumentException("pairsPerStep must be >= 1 but was " + pairsPerStep);
        }
        this.policy = policy;
        this.reward = reward;
        this.batches = batches;
        this.innerLoop = innerLoop;
        this.hypergradient = hypergradient;
        this.pairsPerStep = pairsPerStep;
        this.lossNormalisation = lossNormalisation;
    }

    /** The domain this step trains on. */
    public String domain() {
        return batches.domain();
    }

    /** The domain's batches (their position goes into checkpoints so a resumed run continues the data). */
    public DomainBatches batches() {
        return batches;
    }

    /** Computes this domain's contribution with {@code phi} (not modified) at {@code phiVersion}. */
    public Contribution compute(INDArray phi, long phiVersion) {
        return computeWithDiagnostics(phi, phiVersion).contribution();
    }

    /** Like {@link #compute} and also returns what the step measured, for metrics and logs. */
    public Result computeWithDiagnostics(INDArray phi, long phiVersion) {
        long start = System.nanoTime();
        InnerTrajectory trajectory = innerLoop.run(phi, batches, true);
        long innerDone = System.nanoTime();
        PreferenceBatch pairs = batches.nextPreferenceBatch(pairsPerStep);
        PreferenceLoss.Result outer = PreferenceLoss.evaluate(policy, trajectory.finalTheta(), pairs, true,
                lossNormalisation);
        Hypergradient.Result g = hypergradient.compute(phi, trajectory, outer.gradient());
        long end = System.nanoTime();
        Contribution contribution = new Contribution(domain(), phiVersion, g.gradient(), outer.loss(), pairs.size());
        long tokens = pairs.chosen().nonPaddingTokens() + pairs.rejected().nonPaddingTokens();
        for (InnerStep step : trajectory.steps()) {
            tokens += step.batch().nonPaddingTokens();
        }
        Diagnostics diagnostics = new Diagnostics(trajectory.clampedRewards(),
                (long) innerLoop.steps() * innerLoop.batchSize(), mean(trajectory.fineTuneLoss()),
                outer.gradient().norm2Number().doubleValue(), g.gradient().norm2Number().doubleValue(), g.hessianSteps(),
                (innerDone - start) / 1e9, (end - innerDone) / 1e9, trajectory.stepSeconds(), tokens,
                trajectory.weightStatistics(), RewardSpread.of(reward.rewards(phi, pairs.chosen()).toDoubleVector(),
                        reward.rewards(phi, pairs.rejected()).toDoubleVector()));
        return new Result(contribution, diagnostics);
    }

    /**
     * How phi itself ranks the outer batch's pairs.
     *
     * @param meanMargin mean over the pairs of r_phi(x, c) - r_phi(x, d)
     * @param accuracy fraction of pairs with r_phi(x, c) > r_phi(x, d) (a tie counts as wrong)
     */
    public record RewardSpread(double meanMargin, double accuracy) {
        static RewardSpread of(double[] chosen, double[] rejected) {
            double margin = 0;
            int right = 0;
            for (int j = 0; j < chosen.length; j++) {
                margin += chosen[j] - rejected[j];
                right += chosen[j] > rejected[j] ? 1 : 0;
            }
            return new RewardSpread(margin / chosen.length, (double) right / chosen.length);
        }
    }

    /** A contribution and the measurements taken while computing it. */
    public record Result(Contribution contribution, Diagnostics diagnostics) {
    }

    /**
     * What one meta step measured.
     *
     * @param clampedRewards inner-loop rewards whose r / beta hit the clamp
     * @param innerSamples rewards computed in the inner loop (D * B)
     * @param meanFineTuneLoss mean loss_FT over the inner steps
     * @param outerGradientNorm ||grad_theta loss_PL(theta_D)||
     * @param hypergradientNorm ||g||
     * @param hessianSteps inner steps whose Hessian term was applied
     * @param innerSeconds wall time of the forward inner loop
     * @param outerSeconds wall time of loss_PL and the hypergradient
     * @param innerStepSeconds wall time of each inner step
     * @param tokens non-padding tokens of the inner SFT batches and of the preference batch
     * @param weights mean R and ESS of the inner loop's reward weights
     * @param spread phi's rewards on the chosen vs the rejected answers of the outer batch
     */
    public record Diagnostics(int clampedRewards, long innerSamples, double meanFineTuneLoss, double outerGradientNorm,
                              double hypergradientNorm, int hessianSteps, double innerSeconds, double outerSeconds,
                              double[] innerStepSeconds, long tokens, InnerTrajectory.WeightStatistics weights,
                              RewardSpread spread) {
    }

    private static double mean(double[] values) {
        double s = 0;
        for (double x : values) {
            s += x;
        }
        return values.length == 0 ? 0 : s / values.length;
    }
}
