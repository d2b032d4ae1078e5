package dev.metareward.actors.run;

import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.actors.coordinator.CoordinatorStats;
import dev.metareward.actors.evaluator.EvaluatorSummary;
import java.nio.file.Path;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a run ended.
 *
 * @param outcome completed (target version reached), stopped (on request) or failed
 * @param startVersion the version the run started at (0, or the resumed checkpoint's)
 * @param resumedFrom the checkpoint the run resumed from
 * @param finalState phi, version, optimizer state and data positions at the end; empty only when the coordinator
 *                   itself failed or did not answer
 * @param finalCheckpoint the checkpoint written at the end
 * @param stats the coordinator's counters at the end
 * @param evaluation what the evaluator did, with the best phi; empty when the run had no evaluation
 * @param error the cause of a failed run
 */
public record RunResult(Outcome outcome, long startVersion, Optional<Path> resumedFrom, Optional<RunState> finalState,
                        Optional<Path> finalCheckpoint, Optional<CoordinatorStats> stats,
                        Optional<EvaluatorSummary> evaluation, Optional<Throwable> error) {

    /** How a run ended. */
    public enum Outcome { COMPLETED, STOPPED, FAILED }

    /** The final phi. */
    public Optional<INDArray> phi() {
        return finalState.map(RunState::phi);
    }

    /** The final version, or the start version when the coordinator gave no final state. */
    public long version() {
        return finalState.map(RunState::version).orElse(startVersion);
    }

    /** The best phi by the paper's rule (training-domain PL accuracy), when anything was evaluated. */
    public Optional<EvaluatorSummary.Best> best() {
        return evaluation.flatMap(EvaluatorSummary::best);
    }
}
