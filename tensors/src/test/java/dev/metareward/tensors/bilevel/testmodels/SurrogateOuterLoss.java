package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.config.InnerSettings;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The function that the truncated(K) and first-order hypergradients are the exact derivative of (MATH.md
 * "Hypergradient modes"): L_K(phi) replays the inner loop from theta_0 with the same batches, but its first D - K
 * steps take grad F at the theta_t stored from a run at a fixed reference phi (so theta's dependence on phi does not
 * flow through their Jacobians; only R_i(phi) does) and its last K steps at the running theta; then loss_PL on the
 * next preference batch. K = D is L itself, K = 0 is first-order.
 *
 * <p>Written out here from forward passes and first derivatives only (R_i = exp(clamp(r_i / beta)) included),
 * independently of the production InnerLoop and Hypergradient, so it can serve as their reference.
 */
public final class SurrogateOuterLoss {

    private final PolicyModel policy;
    private final RewardModel reward;
    private final DomainBatches batches;
    private final byte[] position;
    private final InnerSettings inner;
    private final int pairs;
    private final List<INDArray> stored;

    /** Captures the current position of {@code batches} and stores theta_0..theta_{D-1} of a run at {@code referencePhi}. */
    public SurrogateOuterLoss(PolicyModel policy, RewardModel reward, DomainBatches batches, InnerSettings inner,
                              int pairs, INDArray referencePhi) {
        this.policy = policy;
        this.reward = reward;
        this.batches = batches;
        this.position = batches.position();
        this.inner = inner;
        this.pairs = pairs;
        this.stored = new ArrayList<>();
        INDArray theta = policy.initialParameters();
        for (int t = 0; t < inner.steps(); t++) {
            TokenBatch batch = batches.nextSftBatch(inner.batch());
            stored.add(theta);
            theta = theta.add(step(theta, batch, referencePhi));
        }
        batches.restorePosition(position);
    }

    /** L_K(phi) with the last {@code realSteps} = K steps real. */
    public double at(INDArray phi, int realSteps) {
        batches.restorePosition(position);
        int firstReal = inner.steps() - realSteps;
        INDArray theta = policy.initialParameters();
        for (int t = 0; t < inner.steps(); t++) {
            TokenBatch batch = batches.nextSftBatch(inner.batch());
            theta = theta.add(step(t < firstReal ? stored.get(t) : theta, batch, phi));
        }
        double loss = PreferenceLoss.evaluate(policy, theta, batches.nextPreferenceBatch(pairs), false).loss();
        batches.restorePosition(position);
        return loss;
    }

    /** alpha (1/B) sum_i R_i(phi) grad F_i(at). */
    private INDArray step(INDArray at, TokenBatch batch, INDArray phi) {
        double[] r = reward.rewards(phi, batch).toDoubleVector();
        double[] w = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            double x = Math.max(-inner.rewardClamp(), Math.min(inner.rewardClamp(), r[i] / inner.beta()));
            w[i] = Math.exp(x) / r.length;
        }
        return policy.sequenceLogProbsAndGradient(at, batch, w).gradient().castTo(at.dataType()).mul(inner.learningRate());
    }
}
