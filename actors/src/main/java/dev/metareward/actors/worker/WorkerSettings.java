package dev.metareward.actors.worker;

import dev.metareward.config.TrainingSettings;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * How a domain worker behaves.
 *
 * @param runId the run id stamped on contributions; phi broadcasts of another run are dropped
 * @param mode sync: wait for the next phi after each contribution; async: continue with the newest phi
 * @param phiWait how long a sync worker waits for a new phi before it logs and re-publishes its last contribution
 *                (timeouts.phi-version)
 * @param publishGiveUp how long a back-pressured contribution is retried before it is dropped (timeouts.contribution)
 * @param device GPU ordinal the worker's thread binds to (CUDA backend), empty on CPU
 */
public record WorkerSettings(String runId, TrainingSettings.Mode mode, Duration phiWait, Duration publishGiveUp,
                             OptionalInt device) {
}
