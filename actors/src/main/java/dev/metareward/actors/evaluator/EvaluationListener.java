package dev.metareward.actors.evaluator;

/** Observes evaluations. Called on the evaluator's thread: implementations return quickly. */
public interface EvaluationListener {

    /**
     * One snapshot was evaluated.
     *
     * @param newBest whether it became the best phi (strictly higher training PL accuracy than every earlier one)
     * @param skippedSnapshots snapshots that were conflated away so far because a newer one arrived first
     */
    record EvaluationEvent(EvaluationResult result, boolean newBest, long skippedSnapshots) {
    }

    default void onEvaluation(EvaluationEvent event) {
    }
}
