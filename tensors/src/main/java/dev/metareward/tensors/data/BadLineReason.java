package dev.metareward.tensors.data;

/** Why a JSONL line was rejected; the unit in which skipped lines are counted. */
public enum BadLineReason {
    INVALID_UTF8("invalid UTF-8"),
    BLANK_LINE("blank line"),
    MALFORMED_JSON("malformed JSON"),
    NOT_AN_OBJECT("not a JSON object"),
    MISSING_FIELD("missing field"),
    WRONG_TYPE("field of wrong type"),
    EMPTY_TEXT("empty text"),
    UNKNOWN_DOMAIN("unknown domain");

    private final String label;

    BadLineReason(String label) {
        this.label = label;
    }

    /** A short human-readable name, e.g. "missing field". */
    public String label() {
        return label;
    }
}
