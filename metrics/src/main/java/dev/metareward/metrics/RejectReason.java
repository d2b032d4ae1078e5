package dev.metareward.metrics;

/**
 * Why the reward coordinator refused a hypergradient contribution; the tag value of
 * {@link MeterCatalogue#CONTRIBUTIONS_REJECTED}. The coordinator checks them in the order of its validator.
 */
public enum RejectReason {
    /** The frame carries another run id. */
    WRONG_RUN("wrong-run"),
    /** The domain is not one of this run's training domains. */
    UNKNOWN_DOMAIN("unknown-domain"),
    /** The vector's length or data type differs from phi's. */
    WRONG_SHAPE("wrong-shape"),
    /** The vector does not match the checksum the sender computed. */
    BAD_CHECKSUM("bad-checksum"),
    /** The vector or the loss holds NaN or an infinity. */
    NON_FINITE("non-finite"),
    /** Computed with a phi older than allowed: sync mode accepts only the current version, async at most S behind. */
    TOO_STALE("too-stale"),
    /** Claims a phi version the coordinator has not reached (a sender of another incarnation of the run). */
    FUTURE_VERSION("future-version"),
    /** The domain already contributed to this round (sync), or the sequence number was seen before. */
    DUPLICATE("duplicate"),
    /** The outer optimizer refused the step it was part of because the step was not finite; phi unchanged. */
    OPTIMIZER_REFUSED("optimizer-refused"),
    /** Arrived after the run reached its target or was stopped. */
    RUN_FINISHED("run-finished");

    private final String tagValue;

    RejectReason(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The label value exported to Prometheus. */
    public String tagValue() {
        return tagValue;
    }
}
