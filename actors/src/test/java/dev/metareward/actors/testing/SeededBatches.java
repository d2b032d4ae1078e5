package dev.metareward.actors.testing;

import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A deterministic {@link DomainBatches}: batch number n of a domain is drawn from a generator seeded by (seed,
 * domain, n), so the position is just n and restoring it continues the exact same sequence of batches.
 */
public final class SeededBatches implements DomainBatches {

    public static final int LENGTH = 8;
    public static final int PROMPT = 3;
    public static final int VOCAB = 16;

    private final String domain;
    private final long seed;
    private long drawn;

    public SeededBatches(String domain, long seed) {
        this.domain = domain;
        this.seed = seed;
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public TokenBatch nextSftBatch(int size) {
        return tokens(next(), size);
    }

    @Override
    public PreferenceBatch nextPreferenceBatch(int size) {
        SplittableRandom random = next();
        return new PreferenceBatch(tokens(random, size), tokens(random, size));
    }

    /** Batches drawn so far. */
    public long drawn() {
        return drawn;
    }

    @Override
    public byte[] position() {
        return ByteBuffer.allocate(Long.BYTES).putLong(drawn).array();
    }

    @Override
    public void restorePosition(byte[] position) {
        if (position.length != Long.BYTES) {
            throw new IllegalArgumentException("a position of " + domain + " has 8 bytes, got " + position.length);
        }
        drawn = ByteBuffer.wrap(position).getLong();
    }

    private SplittableRandom next() {
        return new SplittableRandom(seed * 1_000_003L + domain.hashCode() * 7_919L + drawn++);
    }

    private static TokenBatch tokens(SplittableRandom random, int size) {
        int[][] tokens = new int[size][LENGTH];
        boolean[][] scored = new boolean[size][LENGTH];
        int[] last = new int[size];
        for (int b = 0; b < size; b++) {
            for (int t = 1; t < LENGTH; t++) {
                tokens[b][t] = 1 + random.nextInt(VOCAB - 1);
                scored[b][t] = t >= PROMPT;
            }
            last[b] = LENGTH - 1;
        }
        return new TokenBatch(tokens, scored, last);
    }
}
