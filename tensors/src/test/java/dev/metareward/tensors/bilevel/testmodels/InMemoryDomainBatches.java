package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded in-memory {@link DomainBatches} over fixed pools of samples. Batch number n of each stream is drawn
 * (with replacement) by a generator seeded from (seed, stream, n), so the position is just the two batch counters
 * and restoring it replays exactly the same batches.
 */
public final class InMemoryDomainBatches implements DomainBatches {

    /** One fine-tuning sample. */
    public record SftSample(int[] prompt, int[] response) {
    }

    /** One preference pair sharing a prompt. */
    public record PreferencePair(int[] prompt, int[] chosen, int[] rejected) {
    }

    private final String domain;
    private final List<SftSample> sft;
    private final List<PreferencePair> preferences;
    private final int length;
    private final long seed;
    private long sftBatchesDrawn;
    private long preferenceBatchesDrawn;

    public InMemoryDomainBatches(String domain, List<SftSample> sft, List<PreferencePair> preferences, int length, long seed) {
        this.domain = domain;
        this.sft = List.copyOf(sft);
        this.preferences = List.copyOf(preferences);
        this.length = length;
        this.seed = seed;
    }

    /** Random prompts (1-3 tokens) and responses (1-5 tokens) over the content tokens of {@code vocab}. */
    public static InMemoryDomainBatches random(String domain, int vocab, int sftPool, int preferencePool, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int[] content = ToySequences.contentTokens(vocab);
        List<SftSample> sft = new ArrayList<>();
        for (int k = 0; k < sftPool; k++) {
            sft.add(new SftSample(ToySequences.randomTokens(random, 1 + random.nextInt(3), content),
                    ToySequences.randomTokens(random, 1 + random.nextInt(5), content)));
        }
        List<PreferencePair> prefs = new ArrayList<>();
        for (int k = 0; k < preferencePool; k++) {
            prefs.add(new PreferencePair(ToySequences.randomTokens(random, 1 + random.nextInt(3), content),
                    ToySequences.randomTokens(random, 1 + random.nextInt(5), content),
                    ToySequences.randomTokens(random, 1 + random.nextInt(5), content)));
        }
        return new InMemoryDomainBatches(domain, sft, prefs, length, seed);
    }

    /**
     * A learnable toy domain: half of the SFT responses use only {@code good} tokens, half only {@code bad} tokens;
     * every preference pair prefers a good response to a bad one. A reward model that up-weights good samples
     * makes the fine-tuned policy rank pairs correctly, so the outer loss can go down.
     */
    public static InMemoryDomainBatches goodVersusBad(String domain, int[] promptAlphabet, int[] good, int[] bad,
                                                      int sftPool, int preferencePool, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        List<SftSample> sft = new ArrayList<>();
        for (int k = 0; k < sftPool; k++) {
            int[] alphabet = k % 2 == 0 ? good : bad;
            sft.add(new SftSample(ToySequences.randomTokens(random, 1 + random.nextInt(2), promptAlphabet),
                    ToySequences.randomTokens(random, 2 + random.nextInt(3), alphabet)));
        }
        List<PreferencePair> prefs = new ArrayList<>();
        for (int k = 0; k < preferencePool; k++) {
            int responseLength = 2 + random.nextInt(3);
            prefs.add(new PreferencePair(ToySequences.randomTokens(random, 1 + random.nextInt(2), promptAlphabet),
                    ToySequences.randomTokens(random, responseLength, good),
                    ToySequences.randomTokens(random, responseLength, bad)));
        }
        return new InMemoryDomainBatches(domain, sft, prefs, length, seed);
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public TokenBatch nextSftBatch(int size) {
        SplittableRandom random = streamRandom(1, sftBatchesDrawn++);
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int k = 0; k < size; k++) {
            SftSample s = sft.get(random.nextInt(sft.size()));
            prompts.add(s.prompt());
            responses.add(s.response());
        }
        return ToySequences.sequences(prompts, responses, length);
    }

    @Override
    public PreferenceBatch nextPreferenceBatch(int size) {
        SplittableRandom random = streamRandom(2, preferenceBatchesDrawn++);
        List<int[]> prompts = new ArrayList<>();
        List<int[]> chosen = new ArrayList<>();
        List<int[]> rejected = new ArrayList<>();
        for (int k = 0; k < size; k++) {
            PreferencePair p = preferences.get(random.nextInt(preferences.size()));
            prompts.add(p.prompt());
            chosen.add(p.chosen());
            rejected.add(p.rejected());
        }
        return new PreferenceBatch(ToySequences.sequences(prompts, chosen, length),
                ToySequences.sequences(prompts, rejected, length));
    }

    @Override
    public byte[] position() {
        return ByteBuffer.allocate(16).putLong(sftBatchesDrawn).putLong(preferenceBatchesDrawn).array();
    }

    @Override
    public void restorePosition(byte[] position) {
        if (position.length != 16) {
            throw new IllegalArgumentException("position of domain " + domain + " must be 16 bytes but has "
                    + position.length + ": " + Arrays.toString(position));
        }
        ByteBuffer buffer = ByteBuffer.wrap(position);
        sftBatchesDrawn = buffer.getLong();
        preferenceBatchesDrawn = buffer.getLong();
    }

    private SplittableRandom streamRandom(long stream, long index) {
        // Mixes (seed, stream, index) into one seed; SplittableRandom scrambles it further.
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL);
    }
}
