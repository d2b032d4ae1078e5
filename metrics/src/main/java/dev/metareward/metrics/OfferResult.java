package dev.metareward.metrics;

/**
 * Result of one Aeron {@code Publication.offer()} or {@code tryClaim()}; the tag value of
 * {@link MeterCatalogue#AERON_OFFERS}. The codes are Aeron's {@code Publication} constants (stable since Aeron 1.0);
 * they are repeated here so that this module does not depend on Aeron.
 */
public enum OfferResult {
    /** The message was appended (offer returned a new stream position). */
    OK("ok", Long.MIN_VALUE),
    /** {@code Publication.NOT_CONNECTED}: no subscriber is connected yet. */
    NOT_CONNECTED("not-connected", -1),
    /** {@code Publication.BACK_PRESSURED}: subscribers are behind; retry later. */
    BACK_PRESSURED("back-pressured", -2),
    /** {@code Publication.ADMIN_ACTION}: a term rotation or similar happened; retry at once. */
    ADMIN_ACTION("admin-action", -3),
    /** {@code Publication.CLOSED}: the publication was closed. */
    CLOSED("closed", -4),
    /** {@code Publication.MAX_POSITION_EXCEEDED}: the stream reached its maximum position and must be recreated. */
    MAX_POSITION_EXCEEDED("max-position-exceeded", -5);

    private final String tagValue;
    private final long aeronCode;

    OfferResult(String tagValue, long aeronCode) {
        this.tagValue = tagValue;
        this.aeronCode = aeronCode;
    }

    /** The label value exported to Prometheus. */
    public String tagValue() {
        return tagValue;
    }

    /**
     * Maps the return value of {@code offer()} to a result.
     *
     * @throws IllegalArgumentException for a negative code this enum does not know (e.g. a newer Aeron's
     *     {@code PUBLICATION_ERROR}), so that an unknown failure is never counted as a success
     */
    public static OfferResult fromAeronCode(long code) {
        if (code >= 0) {
            return OK;
        }
        for (OfferResult r : values()) {
            if (r != OK && r.aeronCode == code) {
                return r;
            }
        }
        throw new IllegalArgumentException("Unknown Aeron offer result " + code
                + ": expected a position >= 0 or one of the Publication constants -1 to -5.");
    }
}
