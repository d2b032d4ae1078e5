package dev.metareward.tensors.data;

import java.util.Objects;

/** Where a sample came from: a file and a 1-based line number, or {@link #NONE} for samples built in memory. */
public record SourceLine(String file, long line) {

    /** The source of a sample that was not read from a file. */
    public static final SourceLine NONE = new SourceLine("", 0);

    public SourceLine {
        Objects.requireNonNull(file, "file");
    }

    @Override
    public String toString() {
        return this == NONE || file.isEmpty() ? "(in memory)" : file + ":" + line;
    }
}
