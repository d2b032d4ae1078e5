package dev.metareward.metrics;

/** Why the reward coordinator rejected a hypergradient contribution; the tag value of {@link MeterCatalogue#CONTRIBUTIONS_REJECTED}. */
public enum RejectReason {
    /** Computed at a phi version older than the staleness bound allows. */
    STALE("stale"),
    /** Contains NaN or an infinity. */
    NON_FINITE("non-finite"),
    /** Its length differs from the number of parameters of phi. */
    WRONG_SHAPE("wrong-shape"),
    /** Tagged with another run's id. */
    WRONG_RUN("wrong-run"),
    /** Its frame failed the checksum or HMAC check. */
    CHECKSUM("checksum");

    private final String tagValue;

    RejectReason(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The label value exported to Prometheus. */
    public String tagValue() {
        return tagValue;
    }
}
