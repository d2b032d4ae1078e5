package dev.metareward.tensors.bilevel;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.blas.Level1;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * g = d loss_PL(theta_D(phi)) / d phi by reverse accumulation through a stored inner trajectory (MATH.md
 * "Hypergradient"), with finite-difference Hessian-vector products because SameDiff has no second derivatives:
 *
 * <pre>
 * v = grad_theta loss_PL(theta_D)
 * for t = D-1 down to 0:
 *     s_i  = &lt;grad F_i(theta_t), v&gt;                    (v BEFORE this step's update)
 *     w_ti = alpha * R'_i * s_i / B                      (raw weights; R'_i = dR_i/dr_i = R_i / beta, 0 where clamped)
 *     w_ti = alpha/B * (R'_i/m) * (s_i - (1/B) sum_k Rtilde_k s_k)   (self-normalised, m = mean_k R_k)
 *     v    = v + alpha * H_t v                           (only for steps with Hessian terms)
 * g = grad_phi sum_ti w_ti r_phi(x_ti, y_ti)             (w held constant)
 * </pre>
 *
 * <p>Both products come from the same two passes at theta_t +- eps v (the step's weights held fixed):
 * s_i = (F_i(+) - F_i(-)) / (2 eps) from the forwards and H_t v = (G_t(+) - G_t(-)) / (2 eps) from the backwards,
 * with eps = c (1 + ||theta_t||) / ||v||. Steps without Hessian terms (all of them in first-order mode, the first
 * D-K in truncated mode) need only s_i and so only the two forwards. s_i cannot be read off the gradient stored by
 * the forward inner loop: that gradient is the weighted SUM over the batch, while s_i needs each sample's gradient
 * (B backward passes) or a forward-mode product; the two forwards give all B of them at once, with an O(eps^2)
 * truncation error (about 1e-10 relative in float64).
 *
 * <p>The last line, g, is linear in w: when the inner loop kept each batch's reward Jacobian J_t = d r / d phi
 * ({@link InnerStep#rewardJacobian()}, taken from the same pass as R_i), g = sum_t J_t^T w_t and no reward pass runs;
 * otherwise one weighted backward through the reward model over the kept batches, in chunks. Both give the same g
 * (to rounding); the Jacobians save that pass's forward, which repeats the inner loop's (decision 75).
 *
 * <p>When v is exactly zero (e.g. loss_PL saturated) every later product is zero: the passes are skipped.
 */
public final class Hypergradient {

    /**
     * Rows per reward-model backward when the weighted sum is split into chunks. It bounds activation memory: the
     * engine keeps one activation set per batch size, and at 256 rows the small bench workload's set (attention and
     * FFN activations of 256 x 128 tokens over 4 layers) held the meta step's process at 7 GB; at 64 it peaked at
     * 2.6 GB, and no slower (docs/RESULTS.md, decision 65).
     */
    public static final int DEFAULT_REWARD_ROWS_PER_PASS = 64;

    private final PolicyModel policy;
    private final RewardModel reward;
    private final HypergradientSettings settings;
    private final int rewardRowsPerPass;

    public Hypergradient(PolicyModel policy, RewardModel reward, HypergradientSettings settings) {
        this(policy, reward, settings, DEFAULT_REWARD_ROWS_PER_PASS);
    }

    /** {@code rewardRowsPerPass}: most rows of concatenated inner batches sent through one reward backward. */
    public Hypergradient(PolicyModel policy, RewardModel reward, HypergradientSettings settings, int rewardRowsPerPass) {
        if (rewardRowsPerPass < 1) {
            throw new IllegalArgumentException("rewardRowsPerPass must be >= 1 but was " + rewardRowsPerPass);
        }
        this.policy = policy;
        this.reward = reward;
        this.settings = settings;
        this.rewardRowsPerPass = rewardRowsPerPass;
    }

    /**
     * The hypergradient and what it cost.
     *
     * @param gradient g, shape [|phi|], data type of phi
     * @param sampleWeights w_{t,i} per step t and sample i
     * @param hessianSteps steps whose Hessian term was applied
     * @param policyForwardBackwardPasses extra forward+backward passes of the policy (2 per Hessian step)
     * @param policyForwardPasses extra forward-only passes of the policy (2 per step without Hessian term)
     * @param rewardBackwardPasses reward-model forward+backward passes for the final weighted sum (0 when the steps
     *                             kept their reward Jacobians)
     * @param adjointNorm ||v_0||, the norm of v after the whole reverse pass
     */
    public record Result(INDArray gradient, double[][] sampleWeights, int hessianSteps, int policyForwardBackwardPasses,
                         int policyForwardPasses, int rewardBackwardPasses, double adjointNorm) {
    }

    /**
     * The relative finite-difference step c: {@code settings.fdRelativeStep()} or, when that is 0, 1e-5 for float64
     * and 1e-2 for lower precisions (MATH.md "Verified": the float32 sweet spot between rounding and truncation).
     */
    public static double relativeStep(HypergradientSettings settings, DataType dtype) {
        if (settings.fdRelativeStep() > 0) {
            return settings.fdRelativeStep();
        }
        return dtype == DataType.DOUBLE ? 1e-5 : 1e-2;
    }

    /** The first step (0-based) whose Hessian term is applied: 0 exact, D-K truncated, D first-order. */
    public static int firstHessianStep(HypergradientSettings settings, int innerSteps) {
        return switch (settings.mode()) {
            case EXACT -> 0;
            case TRUNCATED -> Math.max(0, innerSteps - settings.truncation());
            case FIRST_ORDER -> innerSteps;
        };
    }

    /**
     * Computes g for {@code phi} (not modified) from a kept trajectory and v_D = grad_theta loss_PL(theta_D).
     *
     * @throws IllegalArgumentException when the trajectory was run without keeping its steps
     */
    public Result compute(INDArray phi, InnerTrajectory trajectory, INDArray outerGradient) {
        List<InnerStep> steps = trajectory.steps();
        int innerSteps = steps.size();
        if (innerSteps == 0 && trajectory.fineTuneLoss().length > 0) {
            throw new IllegalArgumentException("the inner trajectory was run without keepTrajectory; the hypergradient "
                    + "needs every theta_t and S_t");
        }
        double alpha = trajectory.learningRate();
        DataType dtype = trajectory.finalTheta().dataType();
        double c = relativeStep(settings, dtype);
        int hessianFrom = firstHessianStep(settings, innerSteps);
        INDArray v = outerGradient.castTo(dtype).dup();
        // Level-1 BLAS on vectors kept across the steps: ND4J's norm2Number, mul, add and sub allocate their results,
        // which cost more than the arithmetic (tiny workload: about 0.5 ms per reverse step, 50 per meta step).
        Level1 blas = Nd4j.getBlasWrapper().level1();
        long n = v.length();
        INDArray plus = Nd4j.createUninitialized(dtype, v.shape());
        INDArray minus = Nd4j.createUninitialized(dtype, v.shape());
        double[][] w = new double[innerSteps][];
        int hessianSteps = 0;
        int forwardBackward = 0;
        int forwardOnly = 0;
        for (int t = innerSteps - 1; t >= 0; t--) {
            InnerStep step = steps.get(t);
            RewardWeights weights = step.rewardWeights();
            int b = weights.size();
            w[t] = new double[b];
            double vNorm = blas.nrm2(v);
            if (vNorm == 0.0) {
                continue;
            }
            boolean withHessian = t >= hessianFrom;
            double eps = c * (1.0 + blas.nrm2(step.theta())) / vNorm;
            blas.copy(step.theta(), plus);
            blas.axpy(n, eps, v, plus);
            blas.copy(step.theta(), minus);
            blas.axpy(n, -eps, v, minus);
            double[] fPlus;
            double[] fMinus;
            INDArray hessianDifference = null;
            if (withHessian) {
                double[] mean = weights.meanWeights();
                ValueAndGradient atPlus = policy.sequenceLogProbsAndGradient(plus, step.batch(), mean);
                ValueAndGradient atMinus = policy.sequenceLogProbsAndGradient(minus, step.batch(), mean);
                fPlus = atPlus.values().toDoubleVector();
                fMinus = atMinus.values().toDoubleVector();
                // grad(theta + eps v) - grad(theta - eps v), in the first gradient's own array (nothing else holds it)
                hessianDifference = atPlus.gradient().castTo(dtype).subi(atMinus.gradient().castTo(dtype));
                forwardBackward += 2;
                hessianSteps++;
            } else {
                fPlus = policy.sequenceLogProbs(plus, step.batch()).toDoubleVector();
                fMinus = policy.sequenceLogProbs(minus, step.batch()).toDoubleVector();
                forwardOnly += 2;
            }
            double[] s = new double[b];
            for (int i = 0; i < b; i++) {
                s[i] = (fPlus[i] - fMinus[i]) / (2 * eps);
            }
            w[t] = weights.directTermCoefficients(s, alpha);
            if (hessianDifference != null) {
                blas.axpy(n, alpha / (2 * eps), hessianDifference, v); // v += alpha * H v, H v by central differences
            }
        }
        RewardBackward backward = steps.stream().allMatch(step -> step.rewardJacobian() != null)
                ? jacobianProduct(phi, steps, w) : weightedRewardGradient(phi, steps, w);
        return new Result(backward.gradient, w, hessianSteps, forwardBackward, forwardOnly, backward.passes,
                v.norm2Number().doubleValue());
    }

    private record RewardBackward(INDArray gradient, int passes) {
    }

    /**
     * grad_phi sum_{t,i} w_ti r_phi(x_ti, y_ti) = sum_t J_t^T w_t from the Jacobians the inner loop kept: no reward
     * pass (decision 75).
     */
    private static RewardBackward jacobianProduct(INDArray phi, List<InnerStep> steps, double[][] w) {
        INDArray gradient = Nd4j.zeros(phi.dataType(), 1, phi.length());
        for (int t = 0; t < steps.size(); t++) {
            if (allZero(w[t])) {
                continue;
            }
            INDArray jacobian = steps.get(t).rewardJacobian().castTo(phi.dataType());
            INDArray weights = Nd4j.createFromArray(w[t]).castTo(phi.dataType()).reshape(1, w[t].length);
            Nd4j.gemm(weights, jacobian, gradient, false, false, 1.0, 1.0); // gradient += w_t^T J_t
        }
        return new RewardBackward(gradient.reshape(phi.length()), 0);
    }

    /** grad_phi sum_{t,i} w_ti r_phi(x_ti, y_ti): inner batches concatenated into chunks of at most rewardRowsPerPass. */
    private RewardBackward weightedRewardGradient(INDArray phi, List<InnerStep> steps, double[][] w) {
        INDArray gradient = Nd4j.zeros(phi.dataType(), phi.length());
        int passes = 0;
        TokenBatch pending = null;
        List<double[]> pendingWeights = new ArrayList<>();
        for (int t = 0; t < steps.size(); t++) {
            if (allZero(w[t])) {
                continue;
            }
            TokenBatch batch = steps.get(t).batch();
            boolean fits = pending != null && pending.length() == batch.length()
                    && pending.size() + batch.size() <= rewardRowsPerPass;
            if (pending != null && !fits) {
                gradient.addi(rewardGradient(phi, pending, pendingWeights));
                passes++;
                pending = null;
                pendingWeights.clear();
            }
            pending = pending == null ? batch : pending.concat(batch);
            pendingWeights.add(w[t]);
        }
        if (pending != null) {
            gradient.addi(rewardGradient(phi, pending, pendingWeights));
            passes++;
        }
        return new RewardBackward(gradient, passes);
    }

    private INDArray rewardGradient(INDArray phi, TokenBatch batch, List<double[]> weights) {
        double[] flat = new double[batch.size()];
        int k = 0;
        for (double[] row : weights) {
            System.arraycopy(row, 0, flat, k, row.length);
            k += row.length;
        }
        return reward.rewardsAndGradient(phi, batch, flat).gradient().castTo(phi.dataType());
    }

    private static boolean allZero(double[] values) {
        for (double x : values) {
            if (x != 0.0) {
                return false;
            }
        }
        return true;
    }
}
