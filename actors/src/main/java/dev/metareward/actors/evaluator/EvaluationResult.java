package dev.metareward.actors.evaluator;

import java.util.Map;

/**
 * What one evaluation of phi measured.
 *
 * @param version the phi version evaluated
 * @param trainingPlAccuracy PL accuracy on the evaluation pairs of the training domains: the paper's model-selection
 *                           criterion (the best phi is the one with the highest value)
 * @param heldOutPlAccuracy PL accuracy of the policy meta-tested with phi, per held-out domain
 * @param seconds wall time of the evaluation
 */
public record EvaluationResult(long version, double trainingPlAccuracy, Map<String, Double> heldOutPlAccuracy,
                               double seconds) {

    public EvaluationResult {
        heldOutPlAccuracy = Map.copyOf(heldOutPlAccuracy);
    }
}
