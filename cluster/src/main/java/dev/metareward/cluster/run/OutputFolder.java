package dev.metareward.cluster.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A run's output folder (run.output-dir) at the start of a run: new, or resumed from its checkpoints. */
public final class OutputFolder {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFolder.class);

    private OutputFolder() {
    }

    /**
     * Creates {@code out}; a new run (not resuming) moves the earlier checkpoints of {@code out} to
     * {@code checkpoints.previous/} (one level of undo), so the coordinator starts at version 0.
     */
    public static void prepare(Path out, boolean resuming) {
        try {
            Files.createDirectories(out);
            Path checkpoints = out.resolve("checkpoints");
            if (!resuming && Files.isDirectory(checkpoints)) {
                Path previous = out.resolve("checkpoints.previous");
                deleteRecursively(previous);
                Files.move(checkpoints, previous, StandardCopyOption.ATOMIC_MOVE);
                LOG.warn("starting a new run at version 0; the earlier checkpoints of {} were moved to {} "
                        + "(use --resume {} to continue a run instead)", out, previous, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare run.output-dir " + out + ": " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
