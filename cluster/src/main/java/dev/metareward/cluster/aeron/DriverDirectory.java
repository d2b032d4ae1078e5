package dev.metareward.cluster.aeron;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks a media driver directory before a driver uses it, so that a missing, unwritable or too small directory
 * fails at start with a message naming it and the bytes needed (instead of a crash when a term is first touched).
 */
final class DriverDirectory {

    /** What an Aeron directory holds: the embedded driver may delete a directory with only these in it. */
    private static final Set<String> AERON_ENTRIES = Set.of("cnc.dat", "loss-report.dat", "publications", "images",
            "blank.template", "archive", "mark.dat");

    /** Room for the driver's own files (CnC with its ring buffers and counters, the loss report). */
    static final long DRIVER_OVERHEAD_BYTES = 8L << 20;

    private DriverDirectory() {
    }

    /**
     * Bytes a driver needs for {@code logs} log buffers (publications and images) of {@code termLength}: each maps
     * three terms.
     */
    static long bytesNeeded(int termLength, int logs) {
        return 3L * termLength * logs + DRIVER_OVERHEAD_BYTES;
    }

    /**
     * @param dir the directory
     * @param bytesNeeded what {@link #bytesNeeded} gives
     * @param what how the need was counted, for the message (e.g. "3 x term-length 16 MiB x 4 logs + 8 MiB")
     * @param external true: a running driver must already be there; false: an embedded driver will own it
     * @throws MediaDriverDirectoryException when the directory cannot be used
     */
    static void check(Path dir, long bytesNeeded, String what, boolean external) {
        Path abs = dir.toAbsolutePath();
        String need = " (the data plane needs " + bytesNeeded + " bytes there: " + what + ")";
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new MediaDriverDirectoryException(abs, bytesNeeded, "media driver directory " + abs + " (aeron.dir)"
                    + " is a file, not a directory" + need, null);
        }
        if (external) {
            if (!Files.isRegularFile(abs.resolve("cnc.dat"))) {
                throw new MediaDriverDirectoryException(abs, bytesNeeded, "no media driver runs at " + abs
                        + " (aeron.dir, external-driver = true: expected its cnc.dat); start it first or set "
                        + "external-driver = false" + need, null);
            }
        } else if (!Files.exists(abs)) {
            try {
                Files.createDirectories(abs);
            } catch (IOException | SecurityException e) {
                throw new MediaDriverDirectoryException(abs, bytesNeeded, "media driver directory " + abs
                        + " (aeron.dir) does not exist and cannot be created: " + e + need, e);
            }
        }
        try {
            Path probe = Files.createTempFile(abs, ".metareward-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new MediaDriverDirectoryException(abs, bytesNeeded, "media driver directory " + abs
                    + " (aeron.dir) is not writable: " + e + need, e);
        }
        long usable;
        try {
            usable = Files.getFileStore(abs).getUsableSpace();
        } catch (IOException e) {
            throw new MediaDriverDirectoryException(abs, bytesNeeded, "cannot read the free space of media driver "
                    + "directory " + abs + ": " + e + need, e);
        }
        if (usable < bytesNeeded) {
            throw new MediaDriverDirectoryException(abs, bytesNeeded, "media driver directory " + abs + " (aeron.dir)"
                    + " has " + usable + " bytes free but needs " + bytesNeeded + " bytes: " + what + "; free space "
                    + "there (for /dev/shm: a larger tmpfs, e.g. docker --shm-size), pick another aeron.dir or lower "
                    + "cluster.aeron.term-length", null);
        }
        if (!external) {
            try (Stream<Path> entries = Files.list(abs)) {
                Path foreign = entries.filter(p -> !AERON_ENTRIES.contains(p.getFileName().toString())).findFirst()
                        .orElse(null);
                if (foreign != null) {
                    throw new MediaDriverDirectoryException(abs, bytesNeeded, "media driver directory " + abs
                            + " (aeron.dir) holds " + foreign.getFileName() + ", which is not an Aeron file; the "
                            + "embedded driver deletes its directory at start and close, so point aeron.dir at an "
                            + "empty or dedicated folder" + need, null);
                }
            } catch (IOException e) {
                throw new MediaDriverDirectoryException(abs, bytesNeeded, "cannot list media driver directory " + abs
                        + ": " + e + need, e);
            }
        }
    }
}
