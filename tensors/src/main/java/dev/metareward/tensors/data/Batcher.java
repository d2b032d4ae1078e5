package dev.metareward.tensors.data;

import dev.metareward.config.ModelSettings;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encodes samples into padded {@link TokenBatch}es of length {@code context}.
 *
 * <p>Layout of a row: BOS, the prompt, the response, EOS, then PAD. BOS and the prompt take at most
 * {@code promptTokens} positions: a longer prompt keeps its <em>end</em> (the words the response continues).
 * Response + EOS take the positions left after the kept prompt and lose their end when they do not fit (a cut
 * response has no EOS, since it did not end there). Only response tokens and EOS are scored. Every cut is counted
 * (see {@link #truncations()}). Thread-safe.
 */
public final class Batcher {

    private final Tokenizer tokenizer;
    private final int context;
    private final int promptTokens;
    private final AtomicLong sequences = new AtomicLong();
    private final AtomicLong promptsTruncated = new AtomicLong();
    private final AtomicLong responsesTruncated = new AtomicLong();

    /**
     * @param context      row length in tokens
     * @param promptTokens positions for BOS + prompt; at least 1 and at most {@code context - 2}, so a response
     *                     token and EOS can follow
     */
    public Batcher(Tokenizer tokenizer, int context, int promptTokens) {
        if (promptTokens < 1 || promptTokens > context - 2) {
            throw new IllegalArgumentException("prompt-tokens must be in [1, context - 2] = [1, " + (context - 2)
                    + "] so BOS and at least one response token and EOS fit, but was " + promptTokens
                    + " with context " + context);
        }
        this.tokenizer = tokenizer;
        this.context = context;
        this.promptTokens = promptTokens;
    }

    /** A batcher with the model's {@code context} and {@code prompt-tokens}. */
    public static Batcher forModel(Tokenizer tokenizer, ModelSettings model) {
        return new Batcher(tokenizer, model.context(), model.promptTokens());
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public int context() {
        return context;
    }

    public int promptTokens() {
        return promptTokens;
    }

    /** Prompt + response rows for the policy's log pi(y|x). */
    public TokenBatch sftBatch(List<SftSample> samples) {
        Rows rows = new Rows(samples.size());
        for (int b = 0; b < samples.size(); b++) {
            rows.set(b, samples.get(b).prompt(), samples.get(b).response());
        }
        return rows.batch();
    }

    /** Chosen and rejected rows; row j of both shares pair j's prompt, encoded identically. */
    public PreferenceBatch preferenceBatch(List<PreferencePair> pairs) {
        Rows chosen = new Rows(pairs.size());
        Rows rejected = new Rows(pairs.size());
        for (int b = 0; b < pairs.size(); b++) {
            PreferencePair p = pairs.get(b);
            chosen.set(b, p.prompt(), p.chosen());
            rejected.set(b, p.prompt(), p.rejected());
        }
        return new PreferenceBatch(chosen.batch(), rejected.batch());
    }

    /** Any prompt/response rows (e.g. generated answers to be scored); the lists must have equal size. */
    public TokenBatch sequences(List<String> prompts, List<String> responses) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size() + " responses");
        }
        Rows rows = new Rows(prompts.size());
        for (int b = 0; b < prompts.size(); b++) {
            rows.set(b, prompts.get(b), responses.get(b));
        }
        return rows.batch();
    }

    /**
     * Rows of BOS + prompt only, for generation: nothing is scored and {@code lastIndex} is the last prompt token
     * (BOS for an empty prompt), the position whose prediction is the first response token.
     */
    public TokenBatch promptBatch(List<String> prompts) {
        Rows rows = new Rows(prompts.size());
        for (int b = 0; b < prompts.size(); b++) {
            rows.set(b, prompts.get(b), null);
        }
        return rows.batch();
    }

    /** Counts since this batcher was created. */
    public Truncations truncations() {
        return new Truncations(sequences.get(), promptsTruncated.get(), responsesTruncated.get());
    }

    private final class Rows {
        final int[][] tokens;
        final boolean[][] scored;
        final int[] lastIndex;

        Rows(int n) {
            tokens = new int[n][context];
            scored = new boolean[n][context];
            lastIndex = new int[n];
        }

        /** Encodes one row; {@code response == null} encodes the prompt alone. */
        void set(int b, String prompt, String response) {
            int[] row = tokens[b];
            Arrays.fill(row, tokenizer.pad());
            row[0] = tokenizer.bos();
            int[] p = tokenizer.encode(prompt);
            int keptPrompt = Math.min(p.length, promptTokens - 1);
            System.arraycopy(p, p.length - keptPrompt, row, 1, keptPrompt);
            int pos = 1 + keptPrompt;
            sequences.incrementAndGet();
            if (response != null) {
                int[] r = tokenizer.encode(response);
                int room = context - pos;
                int kept = Math.min(r.length + 1, room); // response tokens + EOS
                for (int i = 0; i < kept; i++) {
                    row[pos + i] = i < r.length ? r[i] : tokenizer.eos();
                    scored[b][pos + i] = true;
                }
                pos += kept;
                if (kept < r.length + 1) {
                    responsesTruncated.incrementAndGet();
                }
            }
            if (keptPrompt < p.length) {
                promptsTruncated.incrementAndGet();
            }
            lastIndex[b] = pos - 1;
        }

        TokenBatch batch() {
            return new TokenBatch(tokens, scored, lastIndex);
        }
    }
}
