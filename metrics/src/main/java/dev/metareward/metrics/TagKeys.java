package dev.metareward.metrics;

/** The tag (Prometheus label) keys used by metareward meters; values come from the typed helpers of {@link TrainerMeters}. */
public final class TagKeys {
    /** Run id ({@code run.id}); added to every meter of a node. */
    public static final String RUN = "run";
    /** Name of the node in dashboards, e.g. {@code coordinator} or {@code worker-1}; added to every meter of a node. */
    public static final String NODE = "node";
    /** Preference domain, e.g. {@code books}. */
    public static final String DOMAIN = "domain";
    /** Why a contribution was rejected ({@link RejectReason}) or a data-plane frame dropped. */
    public static final String REASON = "reason";
    /** Result of an offer or publication: an {@link OfferRefusal}, or accepted / refused for phi broadcasts. */
    public static final String RESULT = "result";
    /** Direction of data-plane traffic: {@code sent} or {@code received}. */
    public static final String DIRECTION = "direction";
    /** Whether a checkpoint write succeeded, see {@link CheckpointOutcome}. */
    public static final String OUTCOME = "outcome";
    /** Part of a sequence that was truncated: {@code prompt} (from its start) or {@code response} (from its end). */
    public static final String PART = "part";
    /** File name (not path) of a JSONL data file, e.g. {@code pref.jsonl}. */
    public static final String FILE = "file";

    private TagKeys() {
    }
}
