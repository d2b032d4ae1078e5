package dev.metareward.actors.run;

import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.worker.SupervisionSettings;
import dev.metareward.metrics.TrainerMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How {@link LocalTrainingRun} starts a run, beyond the config.
 *
 * @param resume start from the newest valid checkpoint in the checkpoint directory when there is one
 * @param checkpointDirectory where checkpoints go; empty = {@code <run.output-dir>/checkpoints}
 * @param supervision restart policy of failing domain workers
 * @param transport the data plane; empty = a new {@link dev.metareward.actors.transport.InProcessTransport}
 * @param meters where the coordinator, workers and evaluator record (the node's, served to Prometheus); the
 *               default records into a registry nobody scrapes, which still holds the coordinator's counters
 */
public record RunOptions(boolean resume, Optional<Path> checkpointDirectory, SupervisionSettings supervision,
                         Optional<Transport> transport, TrainerMeters meters) {

    /** Resume when possible, checkpoints under the output directory, default supervision, in-process transport. */
    public static RunOptions defaults() {
        return new RunOptions(true, Optional.empty(), SupervisionSettings.DEFAULT, Optional.empty(),
                new TrainerMeters(new SimpleMeterRegistry()));
    }

    public RunOptions withResume(boolean value) {
        return new RunOptions(value, checkpointDirectory, supervision, transport, meters);
    }

    public RunOptions withCheckpointDirectory(Path directory) {
        return new RunOptions(resume, Optional.of(directory), supervision, transport, meters);
    }

    public RunOptions withSupervision(SupervisionSettings value) {
        return new RunOptions(resume, checkpointDirectory, value, transport, meters);
    }

    public RunOptions withTransport(Transport value) {
        return new RunOptions(resume, checkpointDirectory, supervision, Optional.of(value), meters);
    }

    public RunOptions withMeters(TrainerMeters value) {
        return new RunOptions(resume, checkpointDirectory, supervision, transport, value);
    }
}
