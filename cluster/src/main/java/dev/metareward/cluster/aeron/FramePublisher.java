package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.TYPE_CONTRIBUTION;

import dev.metareward.actors.transport.PublishResult;
import io.aeron.Aeron;
import io.aeron.DirectBufferVector;
import io.aeron.Publication;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends frames on one Aeron publication: splits the vector into fragments, writes and signs each fragment's header,
 * and offers header + body as one Aeron message (one copy, from the ND4J buffer into the term). Every offer result
 * is handled with a bounded retry and mapped to a {@link PublishResult}. Thread-safe (one frame at a time, so a
 * frame's fragments are contiguous in the stream).
 */
final class FramePublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FramePublisher.class);

    /** Retry budget of a frame's first fragment: after it the caller gets BACK_PRESSURED/NOT_CONNECTED and retries. */
    static final long FIRST_FRAGMENT_BUDGET_NS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Retry budget of a later fragment: giving up there wastes the fragments already sent, so wait longer. */
    static final long NEXT_FRAGMENT_BUDGET_NS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Aeron aeron;
    private final String channel;
    private final int streamId;
    private final FrameEncoder encoder;
    private final DataPlaneStats stats;
    private final int maxFragmentBytes;
    private final int termLength;
    private final UnsafeBuffer bodyBuffer = new UnsafeBuffer(new byte[0]);
    private final DirectBufferVector headerVector = new DirectBufferVector();
    private final DirectBufferVector bodyVector = new DirectBufferVector();
    private final DirectBufferVector[] vectors = {headerVector, bodyVector};
    private final IdleStrategy retryIdle = new BackoffIdleStrategy(0, 10, 1_000, 100_000);
    private Publication publication;
    private boolean closed;

    FramePublisher(Aeron aeron, String channel, int streamId, FrameEncoder encoder,
                   DataPlaneStats stats, int maxFragmentBytes, int termLength) {
        this.aeron = aeron;
        this.channel = channel;
        this.streamId = streamId;
        this.encoder = encoder;
        this.stats = stats;
        this.maxFragmentBytes = maxFragmentBytes;
        this.termLength = termLength;
        this.publication = open();
    }

    private Publication open() {
        return aeron.addExclusivePublication(channel, streamId);
    }

    /** Body bytes per fragment: the chosen cap, bounded by one Aeron message minus the largest header. */
    int fragmentBodyBytes() {
        int byMessage = publication.maxMessageLength() - FrameHeaderFlyweight.MAX_HEADER_LENGTH;
        return Math.min(maxFragmentBytes, byMessage) & ~7;
    }

    /** True when at least one subscriber is connected. */
    boolean isConnected() {
        return publication.isConnected();
    }

    /**
     * Sends one frame. A refusal (closed, not connected, back-pressured) is decided before anything is encoded, so a
     * caller retrying a back-pressured frame costs next to nothing per attempt.
     *
     * @param vector the vector; its bytes are sent little-endian, read in place when it is contiguous
     */
    synchronized PublishResult publish(byte type, byte dtype, long elementCount, long phiVersion, long sequence,
                                       long crc, double outerLoss, int pairs, String domain, byte[] dataPosition,
                                       Collection<String> awaitedDomains, INDArray vector) {
        if (closed) {
            return PublishResult.CLOSED;
        }
        long vectorBytes = vector.length() * vector.data().getElementSize();
        int chunk = fragmentBodyBytes();
        int count = (int) Math.max(1, (vectorBytes + chunk - 1) / chunk);
        if (!publication.isConnected()) {
            stats.onNotConnected();
            return PublishResult.NOT_CONNECTED;
        }
        // A frame that fits the publication window goes out whole or not at all (no half-sent frames). Estimated
        // with the longest header, before the real one is written.
        long maxWireBytes = vectorBytes + (long) count * FrameHeaderFlyweight.MAX_HEADER_LENGTH;
        long estimate = maxWireBytes + (maxWireBytes / 1024 + count) * 32;
        if (estimate <= termLength / 2 && publication.availableWindow() < estimate) {
            stats.onBackPressure();
            return PublishResult.BACK_PRESSURED;
        }
        ByteBuffer body = bytesOf(vector);
        int headerLength = encoder.begin(type, dtype, elementCount, phiVersion, sequence, crc, outerLoss, pairs,
                domain, type == TYPE_CONTRIBUTION ? dataPosition : null, awaitedDomains);
        int totalBytes = body.remaining();
        long wireBytes = totalBytes + (long) count * headerLength;
        UnsafeBuffer header = encoder.headerBuffer();
        int base = body.position();
        for (int i = 0; i < count; i++) {
            int offset = i * chunk;
            int length = Math.min(chunk, totalBytes - offset);
            ByteBuffer slice = body.duplicate();
            slice.limit(base + offset + length).position(base + offset);
            encoder.fragment(i, count, offset, slice);
            headerVector.reset(header, 0, headerLength);
            bodyBuffer.wrap(body, base + offset, length);
            bodyVector.reset(bodyBuffer, 0, length);
            long result = offer(i == 0 ? FIRST_FRAGMENT_BUDGET_NS : NEXT_FRAGMENT_BUDGET_NS);
            if (result < 0) {
                if (i > 0) {
                    stats.onAbandonedSend();
                }
                return map(result);
            }
        }
        stats.onSent(wireBytes);
        return PublishResult.ACCEPTED;
    }

    /** Offers {@link #vectors}, retrying BACK_PRESSURED, NOT_CONNECTED and ADMIN_ACTION within {@code budgetNs}. */
    private long offer(long budgetNs) {
        long deadline = System.nanoTime() + budgetNs;
        retryIdle.reset();
        while (true) {
            long result = publication.offer(vectors);
            if (result >= 0) {
                return result;
            }
            if (result == Publication.ADMIN_ACTION) {
                stats.onAdminAction();
                continue; // the log rotated or a term was cleaned: retry at once
            } else if (result == Publication.BACK_PRESSURED) {
                stats.onBackPressure();
            } else if (result == Publication.NOT_CONNECTED) {
                stats.onNotConnected();
            } else if (result == Publication.CLOSED) {
                return result;
            } else if (result == Publication.MAX_POSITION_EXCEEDED) {
                // The stream reached its largest position (2^31 terms): continue on a new publication (session).
                LOG.warn("data-plane publication {} stream {} reached its maximum position; opening a new one",
                        channel, streamId);
                publication.close();
                publication = open();
                return result;
            } else {
                throw new IllegalStateException("unknown Aeron offer result " + result);
            }
            if (System.nanoTime() - deadline >= 0) {
                return result;
            }
            retryIdle.idle();
        }
    }

    private static PublishResult map(long result) {
        if (result == Publication.NOT_CONNECTED) {
            return PublishResult.NOT_CONNECTED;
        } else if (result == Publication.CLOSED) {
            return PublishResult.CLOSED;
        } else {
            // BACK_PRESSURED, ADMIN_ACTION, MAX_POSITION_EXCEEDED (a new publication is open): retry later.
            return PublishResult.BACK_PRESSURED;
        }
    }

    /** The vector's bytes as a little-endian direct view, without copying when {@code vector} is contiguous. */
    static ByteBuffer bytesOf(INDArray vector) {
        INDArray v = vector;
        if (v.isView() || v.offset() != 0 || v.ordering() != 'c' || v.data().length() != v.length()) {
            v = v.dup('c');
        }
        ByteBuffer nio = v.data().asNio();
        long bytes = v.length() * v.data().getElementSize();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a data-plane vector holds at most 2 GiB but this one has " + bytes
                    + " bytes");
        }
        ByteBuffer view = nio.duplicate();
        view.clear().limit((int) bytes);
        return view;
    }

    @Override
    public synchronized void close() {
        closed = true;
        publication.close();
    }
}
