package dev.metareward.tensors.baselines;

import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPO on the training domains' preference pairs: theta starts at the SFT policy theta_0, which is also the fixed
 * reference (its log-probabilities are recomputed for each batch, one forward pass).
 */
public final class DpoTrainer {

    private final PolicyModel policy;
    private final Batcher batcher;
    private final OuterSettings budget;
    private final double beta;
    private final int selectEvery;

    /**
     * @param beta        the DPO temperature b > 0
     * @param selectEvery model selection by PL accuracy on the training domains' evaluation pairs every this many
     *                    steps (0 = off)
     */
    public DpoTrainer(PolicyModel policy, Batcher batcher, OuterSettings budget, double beta, int selectEvery) {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("the DPO beta must be a finite number > 0 but was " + beta);
        }
        this.policy = policy;
        this.batcher = batcher;
        this.budget = budget;
        this.beta = beta;
        this.selectEvery = selectEvery;
    }

    /**
     * @param trainingDomains domains whose training-split pairs train theta (never a held-out domain)
     * @return theta, labelled {@link BaselineResult#DPO}
     */
    public BaselineResult train(List<DomainData> trainingDomains, long seed, PhaseListener listener) {
        INDArray reference = policy.initialParameters();
        PreferenceDescent.Outcome outcome = PreferenceDescent.run("DPO", reference,
                PooledData.preferences("DPO", trainingDomains, batcher, seed), budget,
                (theta, batch) -> DpoLoss.evaluate(policy, theta, batch,
                        DpoLoss.referenceMargins(policy, reference, batch), beta, true),
                Selection.forPolicy(selectEvery, policy, batcher, trainingDomains), listener);
        return new BaselineResult(BaselineResult.DPO, outcome.parameters(), outcome.stepLosses(), outcome.refusedSteps(),
                outcome.selectedStep(), PooledData.names(trainingDomains), false);
    }
}
