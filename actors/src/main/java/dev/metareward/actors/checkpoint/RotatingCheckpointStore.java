package dev.metareward.actors.checkpoint;

import dev.metareward.tensors.checkpoint.CheckpointMismatchException;
import dev.metareward.tensors.checkpoint.CheckpointRotation;
import dev.metareward.tensors.checkpoint.PhiCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checkpoints as {@link PhiCheckpoint} files {@code phi-<version>.ckpt} in one directory, rotated by
 * {@link CheckpointRotation} (atomic write, SHA-256 verified on load, newest K kept, fallback to an older file when
 * the newest is torn or corrupt). The run id and every domain's last accepted sequence number travel in the
 * checkpoint's metadata, the data positions in its position sections.
 */
public final class RotatingCheckpointStore implements CheckpointStore {

    /** File name prefix of run checkpoints. */
    public static final String PREFIX = "phi";

    private static final String RUN_ID = "run-id";
    private static final String SEQUENCE = "sequence.";

    private final CheckpointRotation rotation;
    private final Path directory;

    /** @param keep checkpoints kept on disk (training.keep-checkpoints) */
    public RotatingCheckpointStore(Path directory, int keep) {
        this.rotation = new CheckpointRotation(directory, PREFIX, keep);
        this.directory = directory;
    }

    /** Names the directory, for error messages. */
    @Override
    public String toString() {
        return "checkpoints in " + directory;
    }

    @Override
    public Path save(RunState state) throws IOException {
        Map<String, byte[]> positions = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(RUN_ID, state.runId());
        state.domains().forEach((domain, resume) -> {
            positions.put(domain, resume.position());
            metadata.put(SEQUENCE + domain, Long.toString(resume.lastSequence()));
        });
        PhiCheckpoint checkpoint = new PhiCheckpoint(state.version(), state.phi(), state.optimizer(), positions,
                metadata);
        return rotation.write(state.version(), checkpoint::write);
    }

    @Override
    public Optional<Loaded> loadNewestValid(long phiLength) throws IOException {
        return rotation.loadNewestValid(path -> PhiCheckpoint.read(path, phiLength)).map(loaded -> {
            PhiCheckpoint checkpoint = loaded.value();
            String runId = checkpoint.metadata().get(RUN_ID);
            if (runId == null) {
                throw new CheckpointMismatchException("checkpoint " + loaded.path() + " has no run id: it was not "
                        + "written by a training run");
            }
            Map<String, DomainResume> domains = new HashMap<>();
            checkpoint.dataPositions().forEach((domain, position) -> {
                String sequence = checkpoint.metadata().get(SEQUENCE + domain);
                if (sequence == null) {
                    throw new CheckpointMismatchException("checkpoint " + loaded.path() + " has a data position "
                            + "but no sequence number for domain '" + domain + "'");
                }
                domains.put(domain, new DomainResume(position, Long.parseLong(sequence)));
            });
            RunState state = new RunState(runId, checkpoint.version(), checkpoint.phi(), checkpoint.optimizer(),
                    domains);
            return new Loaded(loaded.path(), state, loaded.skipped());
        });
    }
}
