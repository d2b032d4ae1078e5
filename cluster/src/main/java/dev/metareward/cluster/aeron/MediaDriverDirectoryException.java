package dev.metareward.cluster.aeron;

import java.nio.file.Path;

/** The media driver directory cannot serve the data plane; the message names it and the bytes needed. */
public final class MediaDriverDirectoryException extends RuntimeException {

    private final Path directory;
    private final long bytesNeeded;

    MediaDriverDirectoryException(Path directory, long bytesNeeded, String message, Throwable cause) {
        super(message, cause);
        this.directory = directory;
        this.bytesNeeded = bytesNeeded;
    }

    /** The directory that failed the check. */
    public Path directory() {
        return directory;
    }

    /** Bytes the driver needs there for the configured term length. */
    public long bytesNeeded() {
        return bytesNeeded;
    }
}
