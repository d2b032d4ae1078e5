package dev.metareward.tensors.bench;

import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The bench workloads' data: full-length rows of BOS + random prompt bytes + random response bytes + EOS (no
 * padding, so every row scores T - promptTokens positions), drawn once from a fixed seed into a small pool of SFT
 * batches and preference batches that are handed out in turn. The pool keeps data generation out of the timings;
 * its batches are all different, so no step reuses the previous step's input.
 */
public final class RandomTokenBatches implements DomainBatches {

    private static final int BYTES = 256;

    private final List<TokenBatch> sft;
    private final List<PreferenceBatch> preferences;
    private long sftDrawn;
    private long preferencesDrawn;

    /**
     * @param context      sequence length T
     * @param promptTokens positions of BOS + prompt
     * @param sftBatch     rows of every SFT batch
     * @param sftPool      how many distinct SFT batches to cycle through
     * @param pairs        pairs of every preference batch
     * @param pairPool     how many distinct preference batches to cycle through
     */
    public RandomTokenBatches(int context, int promptTokens, int sftBatch, int sftPool, int pairs, int pairPool,
                              long seed) {
        if (promptTokens < 1 || promptTokens >= context - 1 || sftPool < 1 || pairPool < 1) {
            throw new IllegalArgumentException("need 1 <= promptTokens < context - 1 and non-empty pools, got context "
                    + context + ", promptTokens " + promptTokens + ", pools " + sftPool + " and " + pairPool);
        }
        SplittableRandom random = new SplittableRandom(seed);
        sft = new ArrayList<>(sftPool);
        for (int k = 0; k < sftPool; k++) {
            int[][] prompts = randomRows(random, sftBatch, promptTokens - 1);
            sft.add(rows(prompts, randomRows(random, sftBatch, context - promptTokens - 1)));
        }
        preferences = new ArrayList<>(pairPool);
        for (int k = 0; k < pairPool; k++) {
            int[][] prompts = randomRows(random, pairs, promptTokens - 1);
            preferences.add(new PreferenceBatch(rows(prompts, randomRows(random, pairs, context - promptTokens - 1)),
                    rows(prompts, randomRows(random, pairs, context - promptTokens - 1))));
        }
    }

    /** Pools sized for {@code workload}: D SFT batches (one per inner step of a meta step) and 4 preference batches. */
    public static RandomTokenBatches forWorkload(BenchWorkload workload, long seed) {
        return new RandomTokenBatches(workload.shape().context(), workload.promptTokens(), workload.innerBatch(),
                workload.innerSteps(), workload.outerBatch(), 4, seed);
    }

    @Override
    public String domain() {
        return "bench";
    }

    /**
     * The next batch of the pool, in turn.
     *
     * @throws IllegalArgumentException when {@code size} is not the pool's batch size
     */
    @Override
    public TokenBatch nextSftBatch(int size) {
        TokenBatch batch = sft.get((int) (sftDrawn++ % sft.size()));
        requireSize(size, batch.size(), "SFT");
        return batch;
    }

    @Override
    public PreferenceBatch nextPreferenceBatch(int size) {
        PreferenceBatch batch = preferences.get((int) (preferencesDrawn++ % preferences.size()));
        requireSize(size, batch.size(), "preference");
        return batch;
    }

    @Override
    public byte[] position() {
        return ByteBuffer.allocate(16).putLong(sftDrawn).putLong(preferencesDrawn).array();
    }

    @Override
    public void restorePosition(byte[] position) {
        if (position.length != 16) {
            throw new IllegalArgumentException("a bench data position has 16 bytes, got " + position.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(position);
        sftDrawn = buffer.getLong();
        preferencesDrawn = buffer.getLong();
    }

    private static void requireSize(int asked, int pooled, String kind) {
        if (asked != pooled) {
            throw new IllegalArgumentException("the bench pool holds " + kind + " batches of " + pooled + " rows but "
                    + asked + " were asked for");
        }
    }

    private static int[][] randomRows(SplittableRandom random, int rows, int length) {
        int[][] out = new int[rows][length];
        for (int[] row : out) {
            for (int t = 0; t < length; t++) {
                row[t] = random.nextInt(BYTES);
            }
        }
        return out;
    }

    /** BOS + prompt + response + EOS; response and EOS scored; the rows fill the context exactly. */
    private static TokenBatch rows(int[][] prompts, int[][] responses) {
        int n = prompts.length;
        int length = 2 + prompts[0].length + responses[0].length;
        int[][] tokens = new int[n][length];
        boolean[][] scored = new boolean[n][length];
        int[] last = new int[n];
        for (int b = 0; b < n; b++) {
            int t = 0;
            tokens[b][t++] = ByteTokenizer.BOS;
            for (int token : prompts[b]) {
                tokens[b][t++] = token;
            }
            for (int token : responses[b]) {
                scored[b][t] = true;
                tokens[b][t++] = token;
            }
            scored[b][t] = true;
            tokens[b][t] = ByteTokenizer.EOS;
            last[b] = t;
        }
        return new TokenBatch(tokens, scored, last);
    }
}
