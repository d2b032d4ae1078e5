package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the headers of one frame's fragments into a reused buffer and signs header + body ({@link FrameMac}, keyed
 * by the run secret). Not thread-safe: one per publisher, used under its lock.
 */
final class FrameEncoder {

    private final byte[] headerBytes = new byte[MAX_HEADER_LENGTH];
    private final UnsafeBuffer headerBuffer = new UnsafeBuffer(headerBytes);
    private final FrameHeaderFlyweight header = new FrameHeaderFlyweight();
    private final FrameMac mac;
    private final byte[] runIdBytes;
    private int headerLength;

    FrameEncoder(RunSecret secret, String runId) {
        this(FrameMac.Keys.derive(secret), runId);
    }

    FrameEncoder(FrameMac.Keys keys, String runId) {
        this.mac = new FrameMac(keys);
        this.runIdBytes = runId.getBytes(StandardCharsets.UTF_8);
        header.wrap(headerBuffer);
    }

    /** The buffer holding the header written last ({@link #headerLength()} bytes). */
    UnsafeBuffer headerBuffer() {
        return headerBuffer;
    }

    int headerLength() {
        return headerLength;
    }

    /**
     * Writes the fields every fragment of the frame shares, and the variable part. Fragment fields and the MAC are
     * written by {@link #fragment}.
     *
     * @return the header length
     * @throws IllegalArgumentException when the strings do not fit into {@link FrameHeaderFlyweight#MAX_HEADER_LENGTH}
     */
    int begin(byte type, byte dtype, long elementCount, long phiVersion, long sequence, long crc, double outerLoss,
              int pairs, String domain, byte[] dataPosition, Collection<String> awaitedDomains) {
        header.magic(MAGIC).version(VERSION).type(type).dtype(dtype).elementCount(elementCount)
                .phiVersion(phiVersion).sequence(sequence).crc(crc).outerLoss(outerLoss).pairs(pairs);
        headerBuffer.putShort(10, (short) 0);
        headerBuffer.putInt(60, 0);
        headerBuffer.putInt(108, 0);
        int at = VARIABLE_OFFSET;
        at = putBytes(at, runIdBytes, "run id");
        at = putBytes(at, domain.getBytes(StandardCharsets.UTF_8), "domain");
        if (type == TYPE_CONTRIBUTION) {
            at = putBytes(at, dataPosition, "data position");
        } else {
            List<String> sorted = List.copyOf(new TreeSet<>(awaitedDomains));
            at = putShort(at, sorted.size(), "awaited domains");
            for (String d : sorted) {
                at = putBytes(at, d.getBytes(StandardCharsets.UTF_8), "awaited domain");
            }
        }
        int aligned = BitUtil.align(at, 8);
        if (aligned > MAX_HEADER_LENGTH) {
            throw tooLong("the frame's strings");
        }
        headerBuffer.setMemory(at, aligned - at, (byte) 0);
        headerLength = aligned;
        header.headerLength(aligned);
        return aligned;
    }

    /**
     * Writes one fragment's fields and its MAC ({@link FrameMac}) over header and {@code body} (the fragment's
     * bytes: position to limit, left unchanged).
     */
    void fragment(int index, int count, long byteOffset, ByteBuffer body) {
        int length = body.remaining();
        header.fragmentIndex(index).fragmentCount(count).fragmentOffset(byteOffset).fragmentLength(length);
        sign(body);
    }

    private void sign(ByteBuffer body) {
        mac.begin(headerBytes, headerLength);
        mac.finish(body, body.position(), body.remaining(), headerBytes, MAC_OFFSET);
    }

    private int putBytes(int at, byte[] bytes, String what) {
        at = putShort(at, bytes.length, what);
        if (at + bytes.length > MAX_HEADER_LENGTH) {
            throw tooLong(what);
        }
        headerBuffer.putBytes(at, bytes);
        return at + bytes.length;
    }

    private int putShort(int at, int value, String what) {
        if (value > 0xFFFF || at + Short.BYTES > MAX_HEADER_LENGTH) {
            throw tooLong(what);
        }
        headerBuffer.putShort(at, (short) value, java.nio.ByteOrder.LITTLE_ENDIAN);
        return at + Short.BYTES;
    }

    private static IllegalArgumentException tooLong(String what) {
        return new IllegalArgumentException("the " + what + " makes the data-plane header longer than its "
                + MAX_HEADER_LENGTH + " bytes (run id, domain, data position and awaited domain names together)");
    }
}
