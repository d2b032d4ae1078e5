package dev.metareward.actors.transport;

/** Outcome of offering a frame to a transport; every caller handles each value explicitly. */
public enum PublishResult {
    /** The frame was handed to the receiving side. */
    ACCEPTED,
    /** The receiver cannot take it now; retry later (the data plane's back-pressure). */
    BACK_PRESSURED,
    /** No receiver is subscribed yet; retry later. */
    NOT_CONNECTED,
    /** The transport is closed; the run is ending. */
    CLOSED
}
