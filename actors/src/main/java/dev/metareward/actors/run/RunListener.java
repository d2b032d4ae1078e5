package dev.metareward.actors.run;

import dev.metareward.actors.coordinator.CoordinatorListener;
import dev.metareward.actors.evaluator.EvaluationListener;

/**
 * Observes a run (progress bar, metrics, report): updates, rejections and checkpoints from the coordinator's thread,
 * evaluations from the evaluator's. Every method has a no-op default; implementations return quickly, never block,
 * and are thread-safe.
 */
public interface RunListener extends CoordinatorListener, EvaluationListener {

    /** A listener that ignores everything. */
    RunListener NONE = new RunListener() {
    };

    /** The run started (or resumed) at {@code version}; it ends at {@code targetVersion}. */
    default void onStart(long version, long targetVersion) {
    }
}
