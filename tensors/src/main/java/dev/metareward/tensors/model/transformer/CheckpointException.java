package dev.metareward.tensors.model.transformer;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be loaded; subclasses say whether it is damaged or written for another model. */
public class CheckpointException extends IOException {

    private final Path file;

    public CheckpointException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The file is truncated, not a checkpoint, or its checksum does not match its content. */
    public static final class Corrupt extends CheckpointException {
        public Corrupt(Path file, String message) {
            super(file, message);
        }
    }

    /** The file is intact but was written by another format version or for a model of another shape. */
    public static final class Incompatible extends CheckpointException {
        public Incompatible(Path file, String message) {
            super(file, message);
        }
    }
}
