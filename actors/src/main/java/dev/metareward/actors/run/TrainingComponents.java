package dev.metareward.actors.run;

import dev.metareward.actors.evaluator.PhiEvaluation;
import dev.metareward.actors.worker.DomainStepFactory;
import dev.metareward.tensors.bilevel.DomainBatches;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numeric parts of a run, built by the caller (the CLI) from the config, so that this module stays free of
 * model construction.
 *
 * @param trainingBatches one seeded batch source per training domain (exactly data.training-domains); a resumed
 *                        run restores their positions from the checkpoint
 * @param steps builds a domain's computer on its worker's thread, typically
 *              {@code (domain, batches) -> new DomainMetaStep(newPolicy(), newReward(), batches, inner, outer,
 *              hypergradient)::compute} with model instances of its own
 * @param initialPhi phi at version 0 (e.g. {@code reward.initialParameters(seed)}); its data type is phi's
 * @param evaluation evaluates phi snapshots during training; empty to run without an evaluator
 */
public record TrainingComponents(Map<String, DomainBatches> trainingBatches, DomainStepFactory steps,
                                 INDArray initialPhi, Optional<PhiEvaluation> evaluation) {

    public TrainingComponents {
        trainingBatches = new LinkedHashMap<>(trainingBatches);
        trainingBatches.forEach((domain, batches) -> {
            if (!domain.equals(batches.domain())) {
                throw new IllegalArgumentException("the batches registered for training domain '" + domain
                        + "' are those of domain '" + batches.domain() + "'");
            }
        });
        if (initialPhi.length() < 1) {
            throw new IllegalArgumentException("initial phi is empty; the reward model has no trainable parameters");
        }
    }
}
