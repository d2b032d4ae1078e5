package dev.metareward.metrics;

/** Outcome of one checkpoint write; the tag value of {@link MeterCatalogue#CHECKPOINT_WRITES}. */
public enum CheckpointOutcome {
    /** Written, synced and renamed into place. */
    WRITTEN("written"),
    /** The write failed; the previous checkpoint stays the newest valid one. */
    FAILED("failed");

    private final String tagValue;

    CheckpointOutcome(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The label value exported to Prometheus. */
    public String tagValue() {
        return tagValue;
    }
}
