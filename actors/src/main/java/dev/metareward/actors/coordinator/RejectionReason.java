package dev.metareward.actors.coordinator;

/** Why the coordinator refused a contribution; each reason has its own counter in {@link CoordinatorStats}. */
public enum RejectionReason {
    /** The frame carries another run id. */
    WRONG_RUN,
    /** The domain is not one of this run's training domains. */
    UNKNOWN_DOMAIN,
    /** The vector's length or data type differs from phi's. */
    WRONG_SHAPE,
    /** The vector does not match the checksum the sender computed. */
    BAD_CHECKSUM,
    /** The vector or the loss holds NaN or an infinity. */
    NON_FINITE,
    /** Computed with a phi older than allowed: sync mode accepts only the current version, async at most S behind. */
    TOO_STALE,
    /** Claims a phi version the coordinator has not reached (a sender of another incarnation of the run). */
    FUTURE_VERSION,
    /** The domain already contributed to this round (sync), or the sequence number was seen before. */
    DUPLICATE,
    /** The outer optimizer refused the step because it was not finite; phi unchanged. */
    OPTIMIZER_REFUSED,
    /** Arrived after the run reached its target or was stopped. */
    RUN_FINISHED
}
