package dev.metareward.tensors.checkpoint;

/**
 * A valid checkpoint that does not fit what loads it: another model shape, another kind of content or a format
 * version this build cannot read. Falling back to an older checkpoint would not help, so this is not a
 * {@link CorruptCheckpointException}.
 */
public final class CheckpointMismatchException extends RuntimeException {
    public CheckpointMismatchException(String message) {
        super(message);
    }
}
