package dev.metareward.actors.evaluator;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates a phi snapshot: a reduced-budget meta-test (Algorithm 2) on the held-out domains and PL accuracy on the
 * evaluation pairs of the training domains. The CLI wires it to {@code MetaTester} and {@code PlAccuracy}. Called on
 * the evaluator's own thread, one snapshot at a time; {@code phi} is read only.
 */
@FunctionalInterface
public interface PhiEvaluation {

    EvaluationResult evaluate(INDArray phi, long version);
}
