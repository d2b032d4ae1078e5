package dev.metareward.tensors.checkpoint;

import java.io.IOException;

/** A checkpoint file is torn, truncated or altered: its checksum or structure does not hold. */
public final class CorruptCheckpointException extends IOException {
    public CorruptCheckpointException(String message) {
        super(message);
    }
}
