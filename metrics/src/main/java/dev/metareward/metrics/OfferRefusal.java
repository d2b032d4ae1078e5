package dev.metareward.metrics;

/**
 * Why Aeron refused one {@code Publication.offer()} or {@code tryClaim()} of the data plane; the tag value of
 * {@link MeterCatalogue#AERON_OFFER_REFUSALS}. The data plane retries each of them (or gives the frame up, see
 * {@link MeterCatalogue#DATA_PLANE_ABANDONED_SENDS}).
 */
public enum OfferRefusal {
    /** {@code Publication.BACK_PRESSURED}: subscribers are behind; retried later. */
    BACK_PRESSURED("back-pressured"),
    /** {@code Publication.NOT_CONNECTED}: no subscriber is connected (yet). */
    NOT_CONNECTED("not-connected"),
    /** {@code Publication.ADMIN_ACTION}: a term rotation or similar happened; retried at once. */
    ADMIN_ACTION("admin-action");

    private final String tagValue;

    OfferRefusal(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The label value exported to Prometheus. */
    public String tagValue() {
        return tagValue;
    }
}
