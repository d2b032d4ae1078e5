package dev.metareward.tensors.bilevel;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
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
    private final DomainBatches batches;
    private final InnerLoop innerLoop;
    private final Hypergradient hypergradient;
    private final int pairsPerStep;

    public DomainMetaStep(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerSettings inner,
                          OuterSettings outer, HypergradientSettings hypergradient) {
        this(policy, batches, InnerLoop.forMetaTraining(policy, reward, inner),
                new Hypergradient(policy, reward, hypergradient), outer.batch());
    }

    /** Full control over the parts (e.g. a different reward chunk size in the hypergradient). */
    public DomainMetaStep(PolicyModel policy, DomainBatches batches, InnerLoop innerLoop, Hypergradient hypergradient,
                          int pairsPerStep) {
        if (pairsPerStep < 1) {
            throw new IllegalArgumentException("pairsPerStep must be >= 1 but was " + pairsPerStep);
        }
        this.policy = policy;
        this.batches = batches;
        this.innerLoop = innerLoop;
        this.hypergradient = hypergradient;
        this.pairsPerStep = pairsPerStep;
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
        PreferenceLoss.Result outer = PreferenceLoss.evaluate(policy, trajectory.finalTheta(), pairs, true);
        Hypergradient.Result g = hypergradient.compute(phi, trajectory, outer.gradient());
        long end = System.nanoTime();
        Contribution contribution = new Contribution(domain(), phiVersion, g.gradient(), outer.loss(), pairs.size());
        long tokens = pairs.chosen().nonPaddingTokens() + pairs.rejected().nonPaddingTokens();
        double[] meanWeight = new double[trajectory.steps().size()];
        double[] effectiveSampleSize = new double[meanWeight.length];
        for (int t = 0; t < meanWeight.length; t++) {
            InnerStep step = trajectory.steps().get(t);
            tokens += step.batch().nonPaddingTokens();
            meanWeight[t] = step.rewardWeights().meanWeight();
            effectiveSampleSize[t] = step.rewardWeights().effectiveSampleSize();
        }
        Diagnostics diagnostics = new Diagnostics(trajectory.clampedRewards(),
                (long) innerLoop.steps() * innerLoop.batchSize(), mean(trajectory.fineTuneLoss()),
                outer.gradient().norm2Number().doubleValue(), g.gradient().norm2Number().doubleValue(), g.hessianSteps(),
                (innerDone - start) / 1e9, (end - innerDone) / 1e9, trajectory.stepSeconds(), tokens,
                mean(meanWeight), mean(effectiveSampleSize));
        return new Result(contribution, diagnostics);
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
     * @param meanRewardWeight mean R_i over the inner loop's samples (every batch has B of them)
     * @param effectiveSampleSize (sum R)^2 / sum R^2 of each inner batch, averaged over the steps
     */
    public record Diagnostics(int clampedRewards, long innerSamples, double meanFineTuneLoss, double outerGradientNorm,
                              double hypergradientNorm, int hessianSteps, double innerSeconds, double outerSeconds,
                              double[] innerStepSeconds, long tokens, double meanRewardWeight,
                              double effectiveSampleSize) {
    }

    private static double mean(double[] values) {
        double s = 0;
        for (double x : values) {
            s += x;
        }
        return values.length == 0 ? 0 : s / values.length;
    }
}
