package dev.metareward.cluster.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's TSV log, appended one line at a time and flushed per line, so a killed process keeps every whole line. A
 * failed write closes the file with a warning instead of failing the caller: losing a log must not stop training.
 * Not thread-safe; the owning log synchronises.
 */
final class AppendOnlyTsv implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AppendOnlyTsv.class);

    private final Path file;
    /** What the warning of a failed write says is lost, e.g. "the diagnostics from here on are only in the log". */
    private final String lossOnFailure;
    private BufferedWriter writer;

    private AppendOnlyTsv(Path file, String lossOnFailure, BufferedWriter writer) {
        this.file = file;
        this.lossOnFailure = lossOnFailure;
        this.writer = writer;
    }

    /**
     * Opens {@code file}, created when missing; {@code append} keeps what is there, otherwise it is emptied.
     *
     * @throws UncheckedIOException naming the file when it cannot be opened
     */
    static AppendOnlyTsv open(Path file, boolean append, String lossOnFailure) {
        try {
            return new AppendOnlyTsv(file, lossOnFailure, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING));
        } catch (IOException e) {
            throw new UncheckedIOException("could not open " + file + " for writing: " + e.getMessage(), e);
        }
    }

    /** Writes {@code line} and a newline through to the file; nothing once a write has failed or after close. */
    void append(String line) {
        if (writer == null) {
            return;
        }
        try {
            writer.write(line + "\n");
            writer.flush();
        } catch (IOException e) {
            LOG.warn("could not append to {} ({}); {}", file, e.getMessage(), lossOnFailure);
            close();
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                LOG.warn("could not close {}: {}", file, e.getMessage());
            }
            writer = null;
        }
    }
}
