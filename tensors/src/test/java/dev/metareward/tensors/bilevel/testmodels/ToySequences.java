package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.tensors.data.TokenBatch;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds {@link TokenBatch}es in the layout of the data layer (BOS + prompt + response + EOS + PAD, response and EOS
 * scored) over a toy vocabulary whose first three ids are the special tokens.
 */
public final class ToySequences {

    public static final int BOS = 0;
    public static final int EOS = 1;
    public static final int PAD = 2;
    /** First id of an ordinary (content) token. */
    public static final int FIRST_CONTENT = 3;

    private ToySequences() {
    }

    /** Rows BOS + prompt + response + EOS padded to {@code length}; response tokens and EOS are scored. */
    public static TokenBatch sequences(List<int[]> prompts, List<int[]> responses, int length) {
        int rows = prompts.size();
        int[][] tokens = new int[rows][length];
        boolean[][] scored = new boolean[rows][length];
        int[] last = new int[rows];
        for (int b = 0; b < rows; b++) {
            int[] prompt = prompts.get(b);
            int[] response = responses.get(b);
            int needed = 2 + prompt.length + response.length;
            if (needed > length) {
                throw new IllegalArgumentException("row " + b + " needs " + needed + " positions but length is " + length);
            }
            Arrays.fill(tokens[b], PAD);
            int t = 0;
            tokens[b][t++] = BOS;
            for (int token : prompt) {
                tokens[b][t++] = token;
            }
            for (int token : response) {
                scored[b][t] = true;
                tokens[b][t++] = token;
            }
            scored[b][t] = true;
            tokens[b][t] = EOS;
            last[b] = t;
        }
        return new TokenBatch(tokens, scored, last);
    }

    /** Rows BOS + prompt padded to {@code length}, nothing scored, lastIndex on the last prompt token (for sampling). */
    public static TokenBatch prompts(List<int[]> prompts, int length) {
        int rows = prompts.size();
        int[][] tokens = new int[rows][length];
        boolean[][] scored = new boolean[rows][length];
        int[] last = new int[rows];
        for (int b = 0; b < rows; b++) {
            Arrays.fill(tokens[b], PAD);
            tokens[b][0] = BOS;
            int[] prompt = prompts.get(b);
            System.arraycopy(prompt, 0, tokens[b], 1, prompt.length);
            last[b] = prompt.length;
        }
        return new TokenBatch(tokens, scored, last);
    }

    /** {@code count} tokens drawn uniformly from {@code alphabet}. */
    public static int[] randomTokens(SplittableRandom random, int count, int[] alphabet) {
        int[] out = new int[count];
        for (int k = 0; k < count; k++) {
            out[k] = alphabet[random.nextInt(alphabet.length)];
        }
        return out;
    }

    /** The content tokens {@code FIRST_CONTENT .. vocab-1}. */
    public static int[] contentTokens(int vocab) {
        int[] out = new int[vocab - FIRST_CONTENT];
        for (int k = 0; k < out.length; k++) {
            out[k] = FIRST_CONTENT + k;
        }
        return out;
    }
}
