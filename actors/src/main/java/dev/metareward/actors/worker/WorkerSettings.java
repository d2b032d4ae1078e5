package dev.metareward.actors.worker;

import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.config.MetarewardConfig;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * How a domain worker behaves.
 *
 * @param runId the run id stamped on contributions; phi broadcasts of another run are dropped
 * @param policy decides when the worker computes: sync waits for the next phi addressed to its domain after each
 *               contribution, async continues with the newest phi
 * @param phiWait how long a sync worker waits for a new phi before it logs and re-publishes its last contribution
 *                (timeouts.phi-version)
 * @param publishGiveUp how long a back-pressured contribution is retried before it is dropped (timeouts.contribution)
 * @param device GPU ordinal the worker's thread binds to (CUDA backend), empty on CPU
 */
public record WorkerSettings(String runId, AggregationPolicy policy, Duration phiWait, Duration publishGiveUp,
                             OptionalInt device) {

    /** The settings of a worker of the run {@code config} describes, computing on {@code device}. */
    public static WorkerSettings of(MetarewardConfig config, OptionalInt device) {
        return new WorkerSettings(config.run().id(), AggregationPolicy.from(config.training()),
                config.timeouts().phiVersion(), config.timeouts().contribution(), device);
    }
}
