package dev.metareward.cluster.node;

import dev.metareward.actors.coordinator.RewardCoordinator;
import java.util.Optional;

/**
 * How a node's part of a run ended.
 *
 * @param outcome completed (phi reached outer.steps), failed, or stopped (this node was asked to stop or left)
 * @param message what happened, for the log
 * @param finished on the node whose coordinator ended the run: its final state, from which this node writes the
 *                 report; empty on every other node
 * @param bestVersion the version of the best phi the evaluator stored in {@link BestPhiFile}, if any
 */
public record RunEnd(Outcome outcome, String message, Optional<RewardCoordinator.Finished> finished,
                     Optional<Long> bestVersion) {

    /** How a run ended. */
    public enum Outcome { COMPLETED, FAILED, STOPPED }

    /** The process exit status for this end: 0 completed, 1 failed, 143 stopped (as after SIGTERM). */
    public int exitStatus() {
        return switch (outcome) {
            case COMPLETED -> 0;
            case FAILED -> 1;
            case STOPPED -> 143;
        };
    }
}
