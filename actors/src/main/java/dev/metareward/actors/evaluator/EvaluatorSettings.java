package dev.metareward.actors.evaluator;

import java.time.Duration;

/**
 * Which phi broadcasts an evaluator keeps.
 *
 * @param runId broadcasts of other runs are ignored
 * @param evaluateEvery training.evaluate-every: versions that are a multiple of it are evaluated (0 = only the final
 *                      version)
 * @param startVersion the version the run started (or resumed) at. A fresh run's version 0, phi_0, is a candidate
 *                     like any multiple of evaluateEvery (a Bradley-Terry phi_0 may rank better than what
 *                     meta-learning makes of it); a resumed run's start version and older ones are not evaluated again
 * @param targetVersion outer.steps: the final version, always evaluated
 * @param finalPhiWait how long a {@link Evaluator.Drain} waits for the broadcast of its final version when it has
 *                     not arrived yet, before the evaluator finishes without it (timeouts.ask)
 */
public record EvaluatorSettings(String runId, int evaluateEvery, long startVersion, long targetVersion,
                                Duration finalPhiWait) {

    public EvaluatorSettings {
        if (evaluateEvery < 0) {
            throw new IllegalArgumentException("evaluateEvery must be >= 0 (0 = only the final version) but was "
                    + evaluateEvery);
        }
    }

    /** Whether a broadcast of {@code version} is evaluated while training runs. */
    public boolean keeps(long version) {
        if (version < startVersion || (version == startVersion && startVersion > 0)) {
            return false;
        }
        return version == targetVersion || (evaluateEvery > 0 && version % evaluateEvery == 0);
    }
}
