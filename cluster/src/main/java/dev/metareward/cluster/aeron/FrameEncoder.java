package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the headers of one frame's fragments into a reused buffer and signs header + body with the run secret. Not
 * thread-safe: one per publisher, used under its lock.
 */
final class FrameEncoder {

    static final String HMAC_ALGORITHM = "HmacSHA256";

    private final byte[] headerBytes = new byte[MAX_HEADER_LENGTH];
    private final UnsafeBuffer headerBuffer = new UnsafeBuffer(headerBytes);
    private final FrameHeaderFlyweight header = new FrameHeaderFlyweight();
    private final Mac mac;
    private final byte[] runIdBytes;
    private int headerLength;

    FrameEncoder(RunSecret secret, String runId) {
        this.mac = newMac(secret);
        this.runIdBytes = runId.getBytes(StandardCharsets.UTF_8);
        header.wrap(headerBuffer);
    }

    static Mac newMac(RunSecret secret) {
        try {
            Mac m = Mac.getInstance(HMAC_ALGORITHM);
            m.init(new SecretKeySpec(secret.bytes(), HMAC_ALGORITHM));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + HMAC_ALGORITHM + ": " + e, e);
        }
    }

    /** The buffer holding the header written last ({@link #headerLength()} bytes). */
    UnsafeBuffer headerBuffer() {
        return headerBuffer;
    }

    int headerLength() {
        return headerLength;
    }

    /**
     * Writes the fields every fragment of the frame shares, and the variable part. Fragment fields and the HMAC are
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
     * Writes one fragment's fields and its HMAC over header and {@code body} (the fragment's bytes: position to
     * limit, left unchanged).
     */
    void fragment(int index, int count, long byteOffset, ByteBuffer body) {
        int length = body.remaining();
        header.fragmentIndex(index).fragmentCount(count).fragmentOffset(byteOffset).fragmentLength(length);
        sign(body);
    }

    private void sign(ByteBuffer body) {
        mac.reset();
        mac.update(headerBytes, 0, HMAC_OFFSET);
        mac.update(headerBytes, HMAC_OFFSET + HMAC_LENGTH, headerLength - HMAC_OFFSET - HMAC_LENGTH);
        int position = body.position();
        mac.update(body);
        body.position(position);
        try {
            mac.doFinal(headerBytes, HMAC_OFFSET);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
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
