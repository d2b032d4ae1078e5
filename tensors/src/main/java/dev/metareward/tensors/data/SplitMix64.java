package dev.metareward.tensors.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A small explicit pseudo-random generator (SplitMix64, Steele et al. 2014) whose whole state is one {@code long},
 * so a sampler can save and restore its exact position. Not thread-safe; not for cryptography.
 */
public final class SplitMix64 {

    private long state;

    public SplitMix64(long state) {
        this.state = state;
    }

    /**
     * A seed derived from a master seed and labels (e.g. a domain name and a stream name) through SHA-256, so
     * streams with different labels are unrelated and stable across JVMs.
     */
    public static long derive(long seed, String... labels) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(seed);
            for (String label : labels) {
                byte[] utf8 = label.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length); // length prefix: ("ab","c") and ("a","bc") must differ
                out.write(utf8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ByteBuffer.wrap(PromptSplit.sha256(bytes.toByteArray())).getLong();
    }

    /** The whole generator state; {@code new SplitMix64(state())} continues exactly where this one is. */
    public long state() {
        return state;
    }

    /** Moves the generator to a state saved by {@link #state()}. */
    public void setState(long state) {
        this.state = state;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in {@code [0, bound)}, without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive but was " + bound);
        }
        int bits;
        int value;
        do {
            bits = (int) (nextLong() >>> 33);
            value = bits % bound;
        } while (bits - value + (bound - 1) < 0); // reject the incomplete last block of 2^31
        return value;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** True with probability {@code p}. */
    public boolean chance(double p) {
        return nextDouble() < p;
    }

    /** A uniformly chosen element. */
    public <T> T pick(java.util.List<T> items) {
        return items.get(nextInt(items.size()));
    }

    /** Shuffles {@code a} in place (Fisher-Yates). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
