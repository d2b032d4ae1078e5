package dev.metareward.tensors.experiment;

import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A way to get a policy for a domain that has no preference data: the rows of the paper's Table 3. The experiment
 * calls {@link #prepare} once per fold and seed (what the method learns from the fold's training domains, e.g. a
 * meta-learned phi or a Bradley-Terry reward model), then {@link Prepared#policyFor} for each held-out domain of the
 * fold, and scores the returned theta itself (PL accuracy, held-out LM loss, judge reward of generations).
 *
 * <p>Rules every method follows: preference pairs of held-out domains never train or select anything; the SFT
 * training data of every domain may be used; the policy starts from the shared warm-started base
 * ({@code context.model().policy().initialParameters()} is the SFT policy theta_0).
 */
public interface HeldOutMethod {

    /** Learns from the fold's training domains; called once per fold and seed. */
    Prepared prepare(FoldContext context);

    /** A method after {@link #prepare}: gives the policy of each held-out domain. */
    @FunctionalInterface
    interface Prepared {
        /**
         * The policy theta for {@code heldOut} (the policy model's flat parameter vector). A method that fine-tunes
         * calls {@code curve.observe(step, theta)} at step 0 and every experiment.curve-every steps (Figure 2);
         * others may call it once or never.
         */
        INDArray policyFor(DomainData heldOut, Curve curve);

        /** Figures about what {@link #prepare} learned (e.g. the selected phi version), kept in results.json. */
        default Map<String, Double> diagnostics() {
            return Map.of();
        }
    }

    /** Receives the policy during fine-tuning, for the held-out PL accuracy against steps (Figure 2). */
    @FunctionalInterface
    interface Curve extends HeldOutEvaluation.ThetaObserver {
        Curve NONE = (step, theta) -> { };
    }
}
