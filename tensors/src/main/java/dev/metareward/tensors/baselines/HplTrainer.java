package dev.metareward.tensors.baselines;

import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.util.List;

/**
 * HPL: loss_PL ({@link PreferenceLoss}, the outer loss of meta-training) minimised directly over theta from theta_0
 * on preference pairs. The paper trains it on the training and the test domains' pairs; here the held-out domains
 * are an explicit argument, and a row that uses them is labelled an oracle row ({@link BaselineResult#HPL_TR_TE},
 * {@code heldOutPreferences = true}) because no other method sees held-out preferences.
 */
public final class HplTrainer {

    private final PolicyModel policy;
    private final Batcher batcher;
    private final OuterSettings budget;
    private final int selectEvery;

    /**
     * @param selectEvery model selection by PL accuracy on the training domains' evaluation pairs every this many
     *                    steps (0 = off); the held-out domains never select
     */
    public HplTrainer(PolicyModel policy, Batcher batcher, OuterSettings budget, int selectEvery) {
        this.policy = policy;
        this.batcher = batcher;
        this.budget = budget;
        this.selectEvery = selectEvery;
    }

    /**
     * @param trainingDomains domains whose training-split pairs train theta
     * @param heldOutDomains  held-out domains whose <em>training-split</em> pairs are added (empty for the honest
     *                        row); their evaluation splits are never used, so that row must be scored on them alone
     * @return theta, labelled {@link BaselineResult#HPL_TR} or {@link BaselineResult#HPL_TR_TE}
     */
    public BaselineResult train(List<DomainData> trainingDomains, List<DomainData> heldOutDomains, long seed,
                                PhaseListener listener) {
        List<DomainData> domains = PooledData.concat(trainingDomains, heldOutDomains);
        boolean oracle = !heldOutDomains.isEmpty();
        String label = oracle ? BaselineResult.HPL_TR_TE : BaselineResult.HPL_TR;
        PreferenceDescent.Outcome outcome = PreferenceDescent.run(label, policy.initialParameters(),
                PooledData.preferences("HPL", domains, batcher, seed), budget,
                (theta, batch) -> PreferenceLoss.evaluate(policy, theta, batch, true),
                Selection.forPolicy(selectEvery, policy, batcher, trainingDomains), listener);
        return new BaselineResult(label, outcome.parameters(), outcome.stepLosses(), outcome.refusedSteps(),
                outcome.selectedStep(), PooledData.names(domains), oracle);
    }
}
