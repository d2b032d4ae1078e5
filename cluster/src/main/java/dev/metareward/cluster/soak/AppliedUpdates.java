package dev.metareward.cluster.soak;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The updates of phi a run has applied, counted from what the run writes anyway: the coordinator appends one
 * "version TAB loss" line to outer-loss.tsv per applied version (written through). Reads only the bytes added since
 * the last call, so a long soak costs nothing per sample. Versions trained again after a resume count again: they
 * are work done.
 */
public final class AppliedUpdates {

    private final Path file;
    private long offset;
    private long lines;
    private long newestVersion;
    private final StringBuilder partial = new StringBuilder();

    /** Counts lines of {@code file} appended from now on (what is there already is skipped). */
    public AppliedUpdates(Path file) {
        this.file = file;
        try {
            this.offset = Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            this.offset = 0;
        }
    }

    /** Updates applied since construction (complete lines appended). */
    public synchronized long count() {
        readNew();
        return lines;
    }

    /** The highest version seen in the appended lines, 0 before any. */
    public synchronized long newestVersion() {
        readNew();
        return newestVersion;
    }

    private void readNew() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length < offset) {
                offset = 0; // a new run replaced the file
            }
            byte[] bytes = new byte[(int) Math.min(length - offset, 16L << 20)];
            in.seek(offset);
            in.readFully(bytes);
            offset += bytes.length;
            partial.append(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return; // read again at the next sample
        }
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, newline);
            partial.delete(0, newline + 1);
            int tab = line.indexOf('\t');
            if (tab > 0) {
                lines++;
                try {
                    newestVersion = Math.max(newestVersion, Long.parseLong(line.substring(0, tab)));
                } catch (NumberFormatException ignored) {
                    // a torn line of a killed process; counted as work, no version
                }
            }
        }
    }
}
