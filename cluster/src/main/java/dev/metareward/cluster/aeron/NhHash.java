package dev.metareward.cluster.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NH, the first layer of UMAC (Black, Halevi, Krawczyk, Krovetz, Rogaway, "UMAC: Fast and Secure Message
 * Authentication", CRYPTO '99; RFC 4418 section 5.2), with {@link #ITERATIONS} independent keys: each
 * {@link #BLOCK_BYTES}-byte block M (32-bit little-endian words m_0 .. m_255) hashes under key K_j to
 * <pre>
 *   NH_j(M) = sum over i of ((m_2i + k_j,2i) mod 2^32) * ((m_2i+1 + k_j,2i+1) mod 2^32)   mod 2^64
 * </pre>
 * For two different blocks of the same length, Pr[NH_j(M) = NH_j(M')] <= 2^-32 over a uniform key; with four
 * independent keys the 256-bit block digest collides with probability <= 2^-128. The digest of a block is its four
 * sums, each little-endian. A final partial block is zero-padded (callers authenticate the length separately).
 *
 * <p>Two implementations give identical digests: a SIMD one on the {@code jdk.incubator.vector} API when the JVM has
 * the module ({@code --add-modules jdk.incubator.vector}), and a scalar one. Not thread-safe (scratch buffers).
 */
abstract class NhHash {

    private static final Logger LOG = LoggerFactory.getLogger(NhHash.class);

    /** Bytes per block (256 words of 32 bits, one key word each). */
    static final int BLOCK_BYTES = 1024;
    /** Words of 32 bits per block. */
    static final int BLOCK_WORDS = BLOCK_BYTES / Integer.BYTES;
    /** Independent NH keys (and 64-bit sums per block). */
    static final int ITERATIONS = 4;
    /** Digest bytes per block: one 64-bit sum per iteration. */
    static final int DIGEST_BYTES = ITERATIONS * Long.BYTES;
    /** Bytes of key material: one block of 32-bit words per iteration. */
    static final int KEY_BYTES = ITERATIONS * BLOCK_BYTES;

    /** keys[j][w]: word w of key j. */
    final int[][] keys;
    private final ByteBuffer padded = ByteBuffer.allocateDirect(BLOCK_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    NhHash(int[][] keys) {
        this.keys = keys;
    }

    /** The SIMD implementation when available, else the scalar one. */
    static NhHash create(byte[] keyMaterial) {
        int[][] keys = keyWords(keyMaterial);
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                return (NhHash) Class.forName(NhHash.class.getPackageName() + ".NhHashVector")
                        .getDeclaredConstructor(int[][].class).newInstance((Object) keys);
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("SIMD NH unavailable ({}); the data-plane MAC uses the scalar NH", e.toString());
            }
        }
        return new Scalar(keys);
    }

    /** The scalar implementation (reference, and tests). */
    static NhHash scalar(byte[] keyMaterial) {
        return new Scalar(keyWords(keyMaterial));
    }

    private static int[][] keyWords(byte[] keyMaterial) {
        if (keyMaterial.length != KEY_BYTES) {
            throw new IllegalArgumentException("NH needs " + KEY_BYTES + " key bytes, got " + keyMaterial.length);
        }
        ByteBuffer in = ByteBuffer.wrap(keyMaterial).order(ByteOrder.LITTLE_ENDIAN);
        int[][] keys = new int[ITERATIONS][BLOCK_WORDS];
        for (int j = 0; j < ITERATIONS; j++) {
            for (int w = 0; w < BLOCK_WORDS; w++) {
                keys[j][w] = in.getInt();
            }
        }
        return keys;
    }

    /**
     * Hashes {@code blocks} whole blocks of {@code in} starting at absolute byte {@code offset}, writing
     * {@link #DIGEST_BYTES} per block into {@code out} from absolute index {@code outOffset} (little-endian).
     */
    abstract void blocks(ByteBuffer in, int offset, int blocks, ByteBuffer out, int outOffset);

    /** Hashes one partial block of {@code length} < {@link #BLOCK_BYTES} bytes, zero-padded, into {@code out}. */
    final void partial(ByteBuffer in, int offset, int length, ByteBuffer out, int outOffset) {
        if (length <= 0 || length >= BLOCK_BYTES) {
            throw new IllegalArgumentException("a partial NH block has 1.." + (BLOCK_BYTES - 1) + " bytes, not "
                    + length);
        }
        padded.clear();
        padded.put(0, in, offset, length);
        for (int i = length; i < BLOCK_BYTES; i++) {
            padded.put(i, (byte) 0);
        }
        blocks(padded, 0, 1, out, outOffset);
    }

    /** The reference implementation: one pass over each block, four sums. */
    static final class Scalar extends NhHash {

        Scalar(int[][] keys) {
            super(keys);
        }

        @Override
        void blocks(ByteBuffer in, int offset, int blocks, ByteBuffer out, int outOffset) {
            ByteBuffer le = in.order() == ByteOrder.LITTLE_ENDIAN ? in : in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer o = out.order() == ByteOrder.LITTLE_ENDIAN ? out
                    : out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < blocks; b++) {
                block(keys, le, offset + b * BLOCK_BYTES, o, outOffset + b * DIGEST_BYTES);
            }
        }

        /** One block; {@code in} and {@code out} little-endian. */
        private static void block(int[][] keys, ByteBuffer le, int offset, ByteBuffer o, int outOffset) {
            int[] k0 = keys[0];
            int[] k1 = keys[1];
            int[] k2 = keys[2];
            int[] k3 = keys[3];
            long a0 = 0;
            long a1 = 0;
            long a2 = 0;
            long a3 = 0;
            for (int w = 0; w < BLOCK_WORDS; w += 2) {
                int lo = le.getInt(offset + w * 4);
                int hi = le.getInt(offset + w * 4 + 4);
                a0 += ((lo + k0[w]) & 0xFFFF_FFFFL) * ((hi + k0[w + 1]) & 0xFFFF_FFFFL);
                a1 += ((lo + k1[w]) & 0xFFFF_FFFFL) * ((hi + k1[w + 1]) & 0xFFFF_FFFFL);
                a2 += ((lo + k2[w]) & 0xFFFF_FFFFL) * ((hi + k2[w + 1]) & 0xFFFF_FFFFL);
                a3 += ((lo + k3[w]) & 0xFFFF_FFFFL) * ((hi + k3[w + 1]) & 0xFFFF_FFFFL);
            }
            o.putLong(outOffset, a0).putLong(outOffset + 8, a1).putLong(outOffset + 16, a2)
                    .putLong(outOffset + 24, a3);
        }
    }
}
