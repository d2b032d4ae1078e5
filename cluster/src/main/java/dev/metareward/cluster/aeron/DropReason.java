package dev.metareward.cluster.aeron;

import java.util.Locale;

/**
 * Why the transport dropped a received frame before any handler saw it. A fragment's header is checked in the order
 * listed up to {@link #WRONG_RUN} when it arrives; body length, HMAC and (for the last fragment) CRC when its last
 * byte has arrived. A frame is counted once, under the first check it fails; its remaining fragments are skipped.
 */
public enum DropReason {
    /** Shorter than the fixed header, or the body ends before the length its header announces. */
    TRUNCATED,
    /** The first four bytes are not the data-plane magic: not one of our frames. */
    BAD_MAGIC,
    /** A format version this build does not read. */
    BAD_VERSION,
    /** Inconsistent structure: unknown type or dtype, header or fragment lengths out of range, bad strings. */
    MALFORMED,
    /** Element count or dtype differ from phi's (the transport is told them at start). */
    WRONG_SHAPE,
    /** Signed for another run id. */
    WRONG_RUN,
    /** The HMAC-SHA256 under the run secret does not match header and body. */
    BAD_HMAC,
    /** The CRC32C of the reassembled vector differs from the one the sender framed. */
    BAD_CRC,
    /** A fragment that continues no reassembly in progress (or skips one), e.g. joined mid-vector. */
    FRAGMENT_ORDER,
    /** A contribution arrived at a node where no coordinator is subscribed (it lives elsewhere). */
    NO_HANDLER;

    /** The label value exported to Prometheus, e.g. {@code bad-hmac}. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
