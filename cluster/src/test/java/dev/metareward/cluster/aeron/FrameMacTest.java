package dev.metareward.cluster.aeron;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The frame MAC of format version 2 ({@link FrameMac}, {@link NhHash}): keys, digests, what changes the tag. */
class FrameMacTest {

    private static final FrameMac.Keys KEYS = FrameMac.Keys.derive(RunSecret.of(bytes(32, 1)));
    private static final int HEADER_LENGTH = 136;

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] tag(FrameMac mac, byte[] header, ByteBuffer body, int offset, int length) {
        byte[] out = new byte[FrameHeaderFlyweight.MAC_LENGTH];
        mac.begin(header, HEADER_LENGTH);
        mac.finish(body, offset, length, out, 0);
        return out;
    }

    private static byte[] tag(byte[] header, byte[] body) {
        return tag(new FrameMac(KEYS), header, ByteBuffer.wrap(body), 0, body.length);
    }

    @Test
    void shouldDeriveKeysWithRfc5869Hkdf() {
        HexFormat hex = HexFormat.of();
        byte[] okm = FrameMac.hkdf(hex.parseHex("000102030405060708090a0b0c"), hex.parseHex(
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                hex.formatHex(okm), "RFC 5869 test case 1");
        FrameMac.Keys other = FrameMac.Keys.derive(RunSecret.of(bytes(32, 2)));
        assertFalse(Arrays.equals(KEYS.hmacKey(), other.hmacKey()));
        assertFalse(Arrays.equals(KEYS.nhKey(), other.nhKey()));
        assertEquals(NhHash.KEY_BYTES, KEYS.nhKey().length);
    }

    @Test
    void shouldGiveTheSameDigestsWithSimdAndScalarNh() {
        NhHash simd = NhHash.create(KEYS.nhKey());
        NhHash scalar = NhHash.scalar(KEYS.nhKey());
        assertFalse(simd instanceof NhHash.Scalar, "tests run with --add-modules jdk.incubator.vector");
        for (int blocks = 1; blocks <= 9; blocks++) {
            ByteBuffer in = ByteBuffer.allocateDirect(blocks * NhHash.BLOCK_BYTES + 8);
            in.put(bytes(in.capacity(), blocks)).clear();
            ByteBuffer a = ByteBuffer.allocate(blocks * NhHash.DIGEST_BYTES);
            ByteBuffer b = ByteBuffer.allocate(blocks * NhHash.DIGEST_BYTES);
            simd.blocks(in, 8, blocks, a, 0);
            scalar.blocks(in, 8, blocks, b, 0);
            assertArrayEquals(b.array(), a.array(), blocks + " blocks");
        }
        byte[] header = bytes(HEADER_LENGTH, 3);
        for (int length : new int[] {4, 1020, 1024, 1028, 33_284, 132_100}) {
            ByteBuffer body = ByteBuffer.allocateDirect(length).put(bytes(length, length));
            assertArrayEquals(tag(new FrameMac(KEYS, scalar), header, body, 0, length),
                    tag(new FrameMac(KEYS, simd), header, body, 0, length), length + " bytes");
        }
    }

    @Test
    void shouldComputeTheDocumentedNhSums() {
        // One block, key words k, message words m: sum of (m0+k0)(m1+k1) ... mod 2^64, words mod 2^32.
        byte[] key = bytes(NhHash.KEY_BYTES, 9);
        byte[] block = bytes(NhHash.BLOCK_BYTES, 10);
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer m = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(NhHash.DIGEST_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        NhHash.create(key).blocks(ByteBuffer.wrap(block), 0, 1, out, 0);
        for (int j = 0; j < NhHash.ITERATIONS; j++) {
            long sum = 0;
            for (int w = 0; w < NhHash.BLOCK_WORDS; w += 2) {
                long a = (m.getInt(4 * w) + k.getInt(j * NhHash.BLOCK_BYTES + 4 * w)) & 0xFFFF_FFFFL;
                long b = (m.getInt(4 * w + 4) + k.getInt(j * NhHash.BLOCK_BYTES + 4 * w + 4)) & 0xFFFF_FFFFL;
                sum += a * b;
            }
            assertEquals(sum, out.getLong(8 * j), "iteration " + j);
        }
    }

    @Test
    void shouldChangeTheTagWhenAnyBodyByteOrHeaderByteOrTheKeyChanges() {
        byte[] header = bytes(HEADER_LENGTH, 4);
        byte[] body = bytes(3 * NhHash.BLOCK_BYTES + 12, 5); // three whole blocks and a partial one
        byte[] good = tag(header, body);
        assertArrayEquals(good, tag(header, body.clone()), "deterministic");
        for (int i = 0; i < body.length; i += 97) {
            byte[] changed = body.clone();
            changed[i] ^= 1;
            assertFalse(Arrays.equals(good, tag(header, changed)), "body byte " + i);
        }
        byte[] last = body.clone();
        last[last.length - 1] ^= (byte) 0x80;
        assertFalse(Arrays.equals(good, tag(header, last)), "last body byte");
        for (int i = 0; i < HEADER_LENGTH; i++) {
            if (i >= FrameHeaderFlyweight.MAC_OFFSET && i < FrameHeaderFlyweight.MAC_OFFSET + 32) {
                continue;
            }
            byte[] changed = header.clone();
            changed[i] ^= 1;
            assertFalse(Arrays.equals(good, tag(changed, body)), "header byte " + i);
        }
        byte[] macField = header.clone();
        macField[FrameHeaderFlyweight.MAC_OFFSET] ^= 1;
        assertArrayEquals(good, tag(macField, body), "the MAC field itself is not covered");
        byte[] swapped = body.clone();
        System.arraycopy(body, 0, swapped, NhHash.BLOCK_BYTES, NhHash.BLOCK_BYTES);
        System.arraycopy(body, NhHash.BLOCK_BYTES, swapped, 0, NhHash.BLOCK_BYTES);
        assertFalse(Arrays.equals(good, tag(header, swapped)), "two blocks swapped");
        FrameMac otherKey = new FrameMac(FrameMac.Keys.derive(RunSecret.of(bytes(32, 2))));
        assertFalse(Arrays.equals(good, tag(otherKey, header, ByteBuffer.wrap(body), 0, body.length)), "other key");
    }

    @Test
    void shouldNeedTheLengthFromTheHeaderBecauseTheLastBlockIsZeroPadded() {
        // Why the fragment length is a header field the receiver checks: NH pads with zeros.
        byte[] header = bytes(HEADER_LENGTH, 6);
        byte[] body = bytes(100, 7);
        assertArrayEquals(tag(header, body), tag(header, Arrays.copyOf(body, 104)));
    }
}
