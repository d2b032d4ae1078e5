package dev.metareward.tensors.bilevel;

import dev.metareward.config.InnerSettings;
import dev.metareward.config.InnerSettings.RewardWeighting;
import dev.metareward.config.MetaTestSettings;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inner loop of Algorithms 1 and 2 (MATH.md "Inner loop"): from theta_0, D steps
 * theta_{t+1} = theta_t + alpha * (1/B) sum_i w_i grad F_i(theta_t) with R_i = exp(clamp(r_phi(x_i, y_i) / beta))
 * and w_i = R_i (raw) or R_i / mean_j R_j (self-normalised), each on the next SFT batch of the domain. phi is read,
 * never modified. The rewards come from an {@link InnerReward}: the reward model, or a fixed scorer for the
 * meta-test's ceiling row.
 *
 * <p>When the trajectory is kept, every theta_t is stored as its own array: D * |theta| numbers. That is fine for
 * the LoRA-sized theta of the tiny and small workloads; for a large theta the reverse pass would instead recompute
 * theta_t from sparse checkpoints of the trajectory.
 */
public final class InnerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(InnerLoop.class);

    private final PolicyModel policy;
    private final InnerReward reward;
    private final int steps;
    private final int batchSize;
    private final double learningRate;
    private final double beta;
    private final double rewardClamp;
    private final RewardWeighting weighting;
    private final RewardModel jacobians;

    /**
     * The most memory a meta-training loop's reward Jacobians may take, D * B * |phi| numbers (counted at 8 bytes):
     * 27 MB for the tiny bench workload, 85 MB for the small one. Above it the steps keep no Jacobian and the
     * hypergradient's direct term runs one more reward pass over the kept batches instead (decision 75).
     */
    public static final long REWARD_JACOBIAN_BUDGET_BYTES = 256L << 20;

    /** Raw reward weights (the paper's Eq. 10). */
    public InnerLoop(PolicyModel policy, RewardModel reward, int steps, int batchSize, double learningRate,
                     double beta, double rewardClamp) {
        this(policy, reward::rewards, steps, batchSize, learningRate, beta, rewardClamp, RewardWeighting.RAW);
    }

    public InnerLoop(PolicyModel policy, InnerReward reward, int steps, int batchSize, double learningRate,
                     double beta, double rewardClamp, RewardWeighting weighting) {
        this(policy, reward, steps, batchSize, learningRate, beta, rewardClamp, weighting, null);
    }

    /**
     * @param jacobians when not null, the reward model whose Jacobian d r_i / d phi each kept step also takes (with
     *                  r_i, from the same pass) for the hypergradient; {@code reward} must then be its rewards
     */
    private InnerLoop(PolicyModel policy, InnerReward reward, int steps, int batchSize, double learningRate,
                      double beta, double rewardClamp, RewardWeighting weighting, RewardModel jacobians) {
        if (steps < 0 || batchSize < 1 || !(learningRate > 0) || !(beta > 0) || !(rewardClamp > 0)) {
            throw new IllegalArgumentException("inner loop needs steps >= 0, batch >= 1, learning rate > 0, beta > 0 and "
                    + "reward clamp > 0 but got steps=" + steps + ", batch=" + batchSize + ", learning rate="
                    + learningRate + ", beta=" + beta + ", clamp=" + rewardClamp);
        }
        this.policy = policy;
        this.reward = reward;
        this.steps = steps;
        this.batchSize = batchSize;
        this.learningRate = learningRate;
        this.beta = beta;
        this.rewardClamp = rewardClamp;
        this.weighting = weighting;
        this.jacobians = jacobians;
    }

    /**
     * The inner loop of meta-training (Algorithm 1): D, B, alpha, beta, the clamp and the weighting from
     * {@code inner}.
     */
    public static InnerLoop forMetaTraining(PolicyModel policy, RewardModel reward, InnerSettings inner) {
        boolean jacobians = rewardJacobiansFit(inner.steps(), inner.batch(), reward.parameterCount());
        return new InnerLoop(policy, reward::rewards, inner.steps(), inner.batch(), inner.learningRate(), inner.beta(),
                inner.rewardClamp(), inner.rewardWeights(), jacobians ? reward : null);
    }

    /** Whether D * B reward Jacobian rows of {@code parameters} numbers fit {@link #REWARD_JACOBIAN_BUDGET_BYTES}. */
    static boolean rewardJacobiansFit(int steps, int batch, long parameters) {
        return (double) steps * batch * parameters * Double.BYTES <= REWARD_JACOBIAN_BUDGET_BYTES;
    }

    /**
     * The policy fine-tuning of meta-test (Algorithm 2): {@code steps} steps with the batch size and learning rate of
     * {@code metaTest}, and beta, the clamp and the weighting of {@code inner} (the reward weighting phi was trained
     * for).
     */
    public static InnerLoop forMetaTest(PolicyModel policy, InnerReward reward, InnerSettings inner,
                                        MetaTestSettings metaTest, int steps) {
        return new InnerLoop(policy, reward, steps, metaTest.batch(), metaTest.learningRate(), inner.beta(),
                inner.rewardClamp(), inner.rewardWeights());
    }

    public int steps() {
        return steps;
    }

    public int batchSize() {
        return batchSize;
    }

    public double learningRate() {
        return learningRate;
    }

    public double beta() {
        return beta;
    }

    /** Runs from the policy's theta_0. */
    public InnerTrajectory run(INDArray phi, DomainBatches batches, boolean keepTrajectory) {
        return run(phi, policy.initialParameters(), batches, keepTrajectory);
    }

    /** Runs from a copy of {@code theta0} (not modified), drawing {@link #steps()} SFT batches from {@code batches}. */
    public InnerTrajectory run(INDArray phi, INDArray theta0, DomainBatches batches, boolean keepTrajectory) {
        if (theta0.length() != policy.parameterCount()) {
            throw new IllegalArgumentException("theta_0 has " + theta0.length() + " entries but the policy has "
                    + policy.parameterCount() + " parameters");
        }
        List<InnerStep> kept = new ArrayList<>(keepTrajectory ? steps : 0);
        double[] fineTuneLoss = new double[steps];
        double[] stepSeconds = new double[steps];
        double[] rewardSeconds = new double[steps];
        double rawSum = 0;
        double essSum = 0;
        int clamped = 0;
        INDArray theta = theta0.dup();
        Level1 blas = Nd4j.getBlasWrapper().level1();
        for (int t = 0; t < steps; t++) {
            long stepStart = System.nanoTime();
            TokenBatch batch = batches.nextSftBatch(batchSize);
            INDArray jacobian = null;
            INDArray rewards;
            if (keepTrajectory && jacobians != null) {
                ValueAndGradient withJacobian = jacobians.rewardsAndJacobian(phi, batch);
                rewards = withJacobian.values();
                jacobian = withJacobian.gradient();
            } else {
                rewards = reward.rewards(phi, batch);
            }
            RewardWeights weights = RewardWeights.of(rewards.toDoubleVector(), beta, rewardClamp, weighting);
            rewardSeconds[t] = (System.nanoTime() - stepStart) / 1e9;
            clamped += weights.clampedCount();
            rawSum += weights.meanRaw();
            essSum += weights.effectiveSampleSize();
            ValueAndGradient step = policy.sequenceLogProbsAndGradient(theta, batch, weights.meanWeights());
            fineTuneLoss[t] = -weightedMean(step.values(), weights.weights());
            if (keepTrajectory) {
                kept.add(new InnerStep(theta, batch, weights, jacobian));
                theta = theta.dup();
            }
            // BLAS axpy and dot on the vectors: ND4J's mul, addi and norm2Number allocate their results and took
            // 0.15 ms per step on the tiny workload's 41603 parameters, these two 0.01 ms. ||theta|| is sqrt(theta .
            // theta), not BLAS's scaled nrm2, so it overflows as soon as the sum of squares does, as the old norm did.
            blas.axpy(theta.length(), learningRate, step.gradient().castTo(theta.dataType()), theta);
            double norm = Math.sqrt(blas.dot(theta.length(), 1.0, theta, theta));
            if (!Double.isFinite(norm)) {
                throw new NonFiniteValueException("the inner loop of domain " + batches.domain() + " diverged at step "
                        + (t + 1) + " of " + steps + " (||theta|| = " + norm + "); lower the inner learning rate ("
                        + learningRate + ") or the reward clamp (" + rewardClamp + ")");
            }
            stepSeconds[t] = (System.nanoTime() - stepStart) / 1e9;
        }
        if (clamped > 0) {
            LOG.debug("domain {}: {} of {} rewards clamped to |r / beta| <= {}", batches.domain(), clamped,
                    steps * batchSize, rewardClamp);
        }
        return new InnerTrajectory(kept, theta, clamped, fineTuneLoss, learningRate, stepSeconds, rewardSeconds,
                new InnerTrajectory.WeightStatistics(rawSum / Math.max(1, steps), essSum / Math.max(1, steps)));
    }

    private static double weightedMean(INDArray values, double[] weights) {
        double[] v = values.toDoubleVector();
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += weights[i] * v[i];
        }
        return s / v.length;
    }
}
