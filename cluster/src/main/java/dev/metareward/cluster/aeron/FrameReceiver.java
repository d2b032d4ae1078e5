package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.*;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PhiFrame;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the frames of one subscription: verifies each fragment (structure, shape, run id, MAC), copies its body
 * straight from the Aeron term into the vector being reassembled (the one receive-side copy), checks the CRC32C of
 * the whole vector and hands verified frames to its {@link Sink}. Bad frames are dropped and counted by
 * {@link DropReason}; they never reach the sink. Aeron fragments of one message arrive in order per image, so the
 * header, MAC and CRC are computed incrementally as the fragments pass. Used by one thread (the data-plane agent).
 */
final class FrameReceiver implements ControlledFragmentHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FrameReceiver.class);

    /** Where verified frames go. */
    interface Sink {
        /** False when nobody takes frames of this subscription on this node (they are counted and skipped). */
        boolean accepting();

        /** Takes a verified frame; false = cannot take it now (the receiver holds it and stops reading). */
        boolean deliver(Object frame);
    }

    private final byte expectedType;
    private final long expectedLength;
    private final byte expectedDtype;
    private final int elementSize;
    private final String runId;
    private final byte[] runIdBytes;
    private final FrameMac.Keys macKeys;
    private final DataPlaneStats stats;
    private final Sink sink;
    private final long reassemblyTimeoutNs;
    private final Int2ObjectHashMap<ImageState> images = new Int2ObjectHashMap<>();
    private final ReceiveArrays arrays;
    private final FrameHeaderFlyweight view = new FrameHeaderFlyweight();
    private final byte[] macOut = new byte[MAC_LENGTH];
    private Object pending;

    FrameReceiver(byte expectedType, long expectedLength, DataType dataType, String runId, RunSecret secret,
                  DataPlaneStats stats, Sink sink, long reassemblyTimeoutNs) {
        this.expectedType = expectedType;
        this.expectedLength = expectedLength;
        this.expectedDtype = dataType == DataType.DOUBLE ? DTYPE_FLOAT64 : DTYPE_FLOAT32;
        this.elementSize = elementSize(expectedDtype);
        this.runId = runId;
        this.runIdBytes = runId.getBytes(StandardCharsets.UTF_8);
        this.macKeys = FrameMac.Keys.derive(secret);
        this.stats = stats;
        this.sink = sink;
        this.reassemblyTimeoutNs = reassemblyTimeoutNs;
        this.arrays = new ReceiveArrays(dataType, expectedLength);
    }

    /** True while a verified frame waits for the sink to take it. */
    boolean hasPending() {
        return pending != null;
    }

    /** Offers the pending frame again; true when the sink took it (or it was given up because nobody listens). */
    boolean retryPending() {
        if (pending == null) {
            return true;
        }
        if (!sink.accepting()) {
            pending = null;
            stats.onDrop(DropReason.NO_HANDLER);
            return true;
        }
        if (sink.deliver(pending)) {
            pending = null;
            return true;
        }
        return false;
    }

    /** Drops reassemblies older than the timeout (a lost fragment, a dead or stalled sender). */
    int sweep(long nowNs) {
        int dropped = 0;
        for (ImageState image : images.values()) {
            Reassembly r = image.current;
            if (r != null && nowNs - r.startedNs > reassemblyTimeoutNs) {
                image.abandon();
                stats.onReassemblyFailure();
                dropped++;
            }
        }
        return dropped;
    }

    /** The image of {@code sessionId} went away: an unfinished reassembly of it is a failure. */
    void onImageLost(int sessionId) {
        ImageState image = images.remove(sessionId);
        if (image != null && image.current != null) {
            stats.onReassemblyFailure();
        }
    }

    @Override
    public Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        stats.onBytesReceived(length);
        ImageState image = images.get(header.sessionId());
        if (image == null) {
            image = new ImageState();
            images.put(header.sessionId(), image);
        }
        byte flags = header.flags();
        boolean begin = (flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0;
        boolean end = (flags & FrameDescriptor.END_FRAG_FLAG) != 0;
        int bodyStart = offset;
        int bodyLength = length;
        if (begin) {
            if (image.inMessage && !image.skipping) {
                image.dropFrame(DropReason.TRUNCATED); // a message that never ended (cannot happen within Aeron)
            }
            image.inMessage = true;
            image.skipping = false;
            int headerLength = image.beginFragment(buffer, offset, length, end);
            if (headerLength < 0) {
                image.skipping = true;
            } else {
                bodyStart = offset + headerLength;
                bodyLength = length - headerLength;
            }
        } else if (!image.inMessage) {
            return Action.CONTINUE; // the tail of a message that began before this image joined
        }
        if (!image.skipping) {
            image.body(buffer, bodyStart, bodyLength);
        }
        if (end) {
            Object complete = image.skipping ? null : image.endFragment();
            image.inMessage = false;
            image.skipping = false;
            if (complete != null) {
                stats.onDelivered();
                if (!sink.deliver(complete)) {
                    pending = complete;
                    return Action.BREAK;
                }
            }
        }
        return Action.CONTINUE;
    }

    /** Counts a drop; logs the 1st, 2nd, 4th, 8th ... of each reason (a flood of bad frames stays readable). */
    private void countDrop(DropReason reason) {
        stats.onDrop(reason);
        long n = stats.drops(reason);
        if (Long.bitCount(n) == 1) {
            LOG.warn("data plane: dropped a {} frame: {} ({} so far)", expectedType == TYPE_PHI ? "phi"
                    : "contribution", reason, n);
        }
    }

    /** Per-image state: the fragment being read and the vector being reassembled. */
    private final class ImageState {
        final FrameMac mac = new FrameMac(macKeys);
        final byte[] headerBytes = new byte[MAX_HEADER_LENGTH];
        final UnsafeBuffer headerBuffer = new UnsafeBuffer(headerBytes);
        final FrameHeaderFlyweight fragment = new FrameHeaderFlyweight();
        boolean inMessage;
        boolean skipping;
        int bodyExpected;
        int bodyReceived;
        int bodyHashed;
        Reassembly current;
        // The last dropped frame: its remaining fragments are skipped without counting again.
        boolean skipValid;
        byte skipType;
        long skipSequence;
        long skipPhiVersion;

        ImageState() {
            fragment.wrap(headerBuffer);
        }

        /** Verifies a fragment's header; returns its length, or -1 after dropping the frame. */
        int beginFragment(DirectBuffer buffer, int offset, int length, boolean end) {
            if (length < FIXED_LENGTH) {
                return drop(DropReason.TRUNCATED);
            }
            view.wrap(buffer, offset, length);
            if (view.magic() != MAGIC) {
                return drop(DropReason.BAD_MAGIC);
            }
            if (view.version() != VERSION) {
                return drop(DropReason.BAD_VERSION);
            }
            int headerLength = view.headerLength();
            int size = elementSize(view.dtype());
            int index = view.fragmentIndex();
            int count = view.fragmentCount();
            int fragmentLength = view.fragmentLength();
            long fragmentOffset = view.fragmentOffset();
            long elements = view.elementCount();
            if (view.type() != expectedType || size < 0 || headerLength < FIXED_LENGTH
                    || headerLength > MAX_HEADER_LENGTH || (headerLength & 7) != 0 || count < 1 || index < 0
                    || index >= count || fragmentLength < 0 || fragmentOffset < 0 || elements < 1
                    || fragmentOffset % size != 0 || fragmentOffset + fragmentLength > elements * size) {
                return drop(DropReason.MALFORMED);
            }
            if (headerLength > length) {
                return drop(end ? DropReason.TRUNCATED : DropReason.MALFORMED);
            }
            if (elements != expectedLength || view.dtype() != expectedDtype) {
                return drop(DropReason.WRONG_SHAPE);
            }
            buffer.getBytes(offset, headerBytes, 0, headerLength);
            int runIdLength = fragment.getShort(VARIABLE_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            if (VARIABLE_OFFSET + 2 + runIdLength > headerLength) {
                return drop(DropReason.MALFORMED);
            }
            if (!Arrays.equals(headerBytes, VARIABLE_OFFSET + 2, VARIABLE_OFFSET + 2 + runIdLength, runIdBytes, 0,
                    runIdBytes.length)) {
                return drop(DropReason.WRONG_RUN);
            }
            if (expectedType == TYPE_CONTRIBUTION && !sink.accepting()) {
                // A standby coordinator node: nobody here takes contributions (verification skipped, cheap).
                if (index == 0) {
                    stats.onDrop(DropReason.NO_HANDLER);
                }
                return -1;
            }
            if (index == 0) {
                if (current != null) {
                    stats.onReassemblyFailure(); // superseded: the rest of the previous vector never came
                }
                current = null;
                Reassembly r;
                try {
                    r = Reassembly.start(fragment, headerLength, elements, arrays, elementSize);
                } catch (RuntimeException | OutOfMemoryError e) {
                    // No memory for the vector: this frame is lost, the stream goes on.
                    stats.onReassemblyFailure();
                    LOG.warn("data plane: cannot allocate a received vector of {} elements: {}", elements,
                            e.toString());
                    remember(fragment.type(), fragment.sequence(), fragment.phiVersion());
                    return -1;
                }
                if (r == null) {
                    return drop(DropReason.MALFORMED);
                }
                current = r;
            } else if (current == null || !current.continues(fragment, headerBytes, headerLength)) {
                if (current == null && skipValid && skipType == fragment.type() && skipSequence == fragment.sequence()
                        && skipPhiVersion == fragment.phiVersion()) {
                    return -1; // the rest of a frame dropped before
                }
                if (current != null) {
                    stats.onReassemblyFailure();
                    current.release();
                    current = null;
                }
                drop(DropReason.FRAGMENT_ORDER);
                remember(fragment.type(), fragment.sequence(), fragment.phiVersion());
                return -1;
            }
            bodyExpected = fragmentLength;
            bodyReceived = 0;
            bodyHashed = 0;
            mac.begin(headerBytes, headerLength);
            return headerLength;
        }

        /**
         * Copies body bytes from the term into the vector (the one copy), updating the CRC, and the MAC with the NH
         * blocks this completes (read from the vector while they are in cache).
         */
        void body(DirectBuffer buffer, int offset, int length) {
            if (length == 0) {
                return;
            }
            if (bodyReceived + length > bodyExpected) {
                dropFrame(DropReason.MALFORMED);
                skipping = true;
                return;
            }
            Reassembly r = current;
            int at = (int) (fragment.fragmentOffset() + bodyReceived);
            r.target.putBytes(at, buffer, offset, length);
            ByteBuffer bytes = r.targetBytes;
            bytes.clear().position(at).limit(at + length);
            r.crc.update(bytes);
            bodyReceived += length;
            int whole = (bodyReceived - bodyHashed) & -NhHash.BLOCK_BYTES;
            if (whole > 0) {
                bytes.clear();
                mac.update(bytes, (int) fragment.fragmentOffset() + bodyHashed, whole);
                bodyHashed += whole;
            }
        }

        /** Checks the fragment's length and MAC; returns the frame when this was its last fragment. */
        Object endFragment() {
            if (bodyReceived < bodyExpected) {
                return dropFrame(DropReason.TRUNCATED);
            }
            Reassembly r = current;
            ByteBuffer bytes = r.targetBytes;
            bytes.clear();
            mac.finish(bytes, (int) fragment.fragmentOffset() + bodyHashed, bodyReceived - bodyHashed, macOut, 0);
            int difference = 0;
            for (int i = 0; i < MAC_LENGTH; i++) { // constant time, no copy
                difference |= macOut[i] ^ headerBytes[MAC_OFFSET + i];
            }
            if (difference != 0) {
                return dropFrame(DropReason.BAD_HMAC);
            }
            r.nextIndex++;
            r.nextOffset += bodyExpected;
            if (r.nextIndex < r.fragmentCount) {
                return null;
            }
            current = null;
            if (r.nextOffset != r.totalBytes) {
                return dropFrame(r, DropReason.MALFORMED);
            }
            if (r.crc.getValue() != r.expectedCrc) {
                return dropFrame(r, DropReason.BAD_CRC);
            }
            return r.frame(runId, expectedType);
        }

        void abandon() {
            if (current != null) {
                remember(current.type, current.sequence, current.phiVersion);
                current.release();
            }
            current = null;
            skipping = inMessage;
        }

        private int drop(DropReason reason) {
            countDrop(reason);
            if (current != null) {
                remember(current.type, current.sequence, current.phiVersion);
                current.release();
                current = null;
            }
            return -1;
        }

        Object dropFrame(DropReason reason) {
            Reassembly r = current;
            current = null;
            return dropFrame(r, reason);
        }

        private Object dropFrame(Reassembly r, DropReason reason) {
            countDrop(reason);
            if (r != null) {
                remember(r.type, r.sequence, r.phiVersion);
                r.release();
            }
            return null;
        }

        private void remember(byte type, long sequence, long phiVersion) {
            skipValid = true;
            skipType = type;
            skipSequence = sequence;
            skipPhiVersion = phiVersion;
        }
    }

    /** A vector being put together from its fragments. */
    private static final class Reassembly {
        final byte type;
        final long sequence;
        final long phiVersion;
        final long expectedCrc;
        final int fragmentCount;
        final long totalBytes;
        final byte[] variablePart;
        final double outerLoss;
        final int pairs;
        final long startedNs = System.nanoTime();
        final INDArray vector;
        final UnsafeBuffer target;
        final ByteBuffer targetBytes;
        final CRC32C crc = new CRC32C();
        String domain;
        byte[] dataPosition;
        Set<String> awaited;
        int nextIndex;
        long nextOffset;

        private Reassembly(FrameHeaderFlyweight h, int headerLength, long elements, ReceiveArrays arrays, int size) {
            type = h.type();
            sequence = h.sequence();
            phiVersion = h.phiVersion();
            expectedCrc = h.crc();
            fragmentCount = h.fragmentCount();
            totalBytes = elements * size;
            variablePart = new byte[headerLength - VARIABLE_OFFSET];
            h.getBytes(VARIABLE_OFFSET, variablePart);
            outerLoss = h.outerLoss();
            pairs = h.pairs();
            vector = arrays.create();
            targetBytes = vector.data().asNio().duplicate();
            target = new UnsafeBuffer(targetBytes, 0, (int) totalBytes);
        }

        /** Starts a reassembly at fragment 0, or returns null when the variable part does not parse. */
        static Reassembly start(FrameHeaderFlyweight h, int headerLength, long elements, ReceiveArrays arrays,
                                int size) {
            if (h.fragmentOffset() != 0 || elements * size > Integer.MAX_VALUE) {
                return null;
            }
            Reassembly r = new Reassembly(h, headerLength, elements, arrays, size);
            if (!r.parseVariablePart()) {
                r.release();
                return null;
            }
            return r;
        }

        boolean continues(FrameHeaderFlyweight h, byte[] headerBytes, int headerLength) {
            return h.type() == type && h.sequence() == sequence && h.phiVersion() == phiVersion
                    && h.crc() == expectedCrc && h.fragmentCount() == fragmentCount && h.fragmentIndex() == nextIndex
                    && h.fragmentOffset() == nextOffset && headerLength - VARIABLE_OFFSET == variablePart.length
                    && Arrays.equals(headerBytes, VARIABLE_OFFSET, headerLength, variablePart, 0,
                    variablePart.length);
        }

        private boolean parseVariablePart() {
            ByteBuffer in = ByteBuffer.wrap(variablePart).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            try {
                skipBytes(in); // run id, checked by the caller
                domain = new String(bytes(in), StandardCharsets.UTF_8);
                if (type == TYPE_CONTRIBUTION) {
                    dataPosition = bytes(in);
                } else {
                    int count = in.getShort() & 0xFFFF;
                    awaited = new HashSet<>();
                    for (int i = 0; i < count; i++) {
                        awaited.add(new String(bytes(in), StandardCharsets.UTF_8));
                    }
                }
                while (in.hasRemaining()) {
                    if (in.get() != 0) {
                        return false;
                    }
                }
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }

        private static void skipBytes(ByteBuffer in) {
            int n = in.getShort() & 0xFFFF;
            in.position(in.position() + n);
        }

        private static byte[] bytes(ByteBuffer in) {
            byte[] b = new byte[in.getShort() & 0xFFFF];
            in.get(b);
            return b;
        }

        Object frame(String runId, byte expectedType) {
            if (expectedType == TYPE_CONTRIBUTION) {
                return new ContributionFrame(runId, domain, phiVersion, sequence, outerLoss, pairs, vector,
                        expectedCrc, dataPosition);
            }
            return new PhiFrame(runId, phiVersion, sequence, awaited, vector, expectedCrc);
        }

        void release() {
            if (vector.closeable()) {
                vector.close();
            }
        }
    }
}
