package dev.metareward.tensors.data;

/**
 * A line of a JSONL data file that cannot be used. The message reads {@code file:line: what was found; what was
 * expected}, so a user can open the file at that line and fix it.
 */
public final class DataFormatException extends RuntimeException {

    private final String file;
    private final long line;
    private final BadLineReason reason;

    public DataFormatException(String file, long line, BadLineReason reason, String detail) {
        super(file + ":" + line + ": " + detail);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** 1-based line number. */
    public long line() {
        return line;
    }

    public BadLineReason reason() {
        return reason;
    }
}
