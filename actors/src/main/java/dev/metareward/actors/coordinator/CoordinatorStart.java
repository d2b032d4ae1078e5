package dev.metareward.actors.coordinator;

import dev.metareward.actors.checkpoint.CheckpointStore;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import dev.metareward.tensors.checkpoint.CheckpointMismatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a reward coordinator starts: its initial state and an outer optimizer in that state. The same function serves
 * the single-JVM run and a cluster singleton that may start (or restart) the coordinator on any node from the
 * newest checkpoint in the shared run.output-dir.
 *
 * @param initial phi (flat, the data type of the initial phi), version and every domain's resume point
 * @param optimizer the outer optimizer, restored to {@code initial}'s optimizer state
 * @param resumedFrom the checkpoint {@code initial} was read from; empty for a fresh start
 */
public record CoordinatorStart(RunState initial, OuterOptimizer optimizer, Optional<Path> resumedFrom) {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorStart.class);

    /**
     * A new run at version 0.
     *
     * @param initialPhi phi at version 0 (any shape; flattened and copied); its data type is phi's
     */
    public static CoordinatorStart fresh(String runId, INDArray initialPhi, OuterSettings outer) {
        INDArray phi0 = flatCopy(initialPhi);
        OuterOptimizer optimizer = OuterOptimizer.create(outer, phi0.length());
        return new CoordinatorStart(new RunState(runId, 0, phi0, optimizer.state(), Map.of()), optimizer,
                Optional.empty());
    }

    /**
     * Resumes from the newest checkpoint of {@code store} that verifies (a torn or corrupt newer file is skipped in
     * favour of the previous one), or starts fresh when there is none.
     *
     * @param initialPhi phi at version 0; gives the length a checkpoint must have and the data type phi is cast to
     * @throws CheckpointMismatchException when the checkpoint belongs to another run id or has another phi length
     * @throws IllegalArgumentException when the checkpoint's optimizer state is of another optimizer kind
     * @throws UncheckedIOException when the checkpoints cannot be read
     */
    public static CoordinatorStart fromCheckpoints(String runId, INDArray initialPhi, OuterSettings outer,
                                                   CheckpointStore store) {
        CoordinatorStart fresh = fresh(runId, initialPhi, outer);
        INDArray phi0 = fresh.initial().phi();
        Optional<CheckpointStore.Loaded> loaded;
        try {
            loaded = store.loadNewestValid(phi0.length());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the " + store + ": " + e.getMessage(), e);
        }
        if (loaded.isEmpty()) {
            return fresh;
        }
        RunState saved = loaded.get().state();
        if (!runId.equals(saved.runId())) {
            throw new CheckpointMismatchException("checkpoint " + loaded.get().path() + " belongs to run '"
                    + saved.runId() + "' but run.id is '" + runId + "'; use another run.output-dir or set "
                    + "run.id to '" + saved.runId() + "' to resume it");
        }
        fresh.optimizer().restore(saved.optimizer());
        RunState initial = new RunState(runId, saved.version(), saved.phi().castTo(phi0.dataType()),
                saved.optimizer(), saved.domains());
        LOG.info("resuming run '{}' from {} at version {}{}", runId, loaded.get().path(), saved.version(),
                loaded.get().skippedCorrupt().isEmpty() ? ""
                        : " (skipped corrupt newer checkpoint(s) " + loaded.get().skippedCorrupt() + ")");
        return new CoordinatorStart(initial, fresh.optimizer(), Optional.of(loaded.get().path()));
    }

    private static INDArray flatCopy(INDArray phi) {
        return phi.reshape(phi.length()).dup();
    }
}
