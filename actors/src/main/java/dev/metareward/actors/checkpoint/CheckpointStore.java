package dev.metareward.actors.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Keeps a run's checkpoints: atomic writes, the newest K kept, loading the newest one that verifies. */
public interface CheckpointStore {

    /** Writes {@code state} atomically, then deletes all but the newest K checkpoints; returns the file written. */
    Path save(RunState state) throws IOException;

    /**
     * The newest checkpoint that verifies; newer torn or corrupt files are skipped (and listed) in favour of older
     * ones.
     *
     * @param phiLength the reward model's parameter count; a checkpoint of another length is a configuration error,
     *                  not corruption, and fails instead of falling back
     */
    Optional<Loaded> loadNewestValid(long phiLength) throws IOException;

    /** A checkpoint read back, with the newer files that failed verification. */
    record Loaded(Path path, RunState state, List<Path> skippedCorrupt) {
        public Loaded {
            skippedCorrupt = List.copyOf(skippedCorrupt);
        }
    }
}
