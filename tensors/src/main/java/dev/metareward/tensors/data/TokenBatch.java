package dev.metareward.tensors.data;

import java.util.Arrays;

/**
 * A padded batch of token sequences, the one input shape every model in {@code tensors} consumes.
 *
 * <p>Row {@code b} holds BOS + prompt + response + EOS followed by PAD up to {@link #length()}.
 * {@code scored[b][t]} is true when the token at position {@code t} is a response token or the final EOS,
 * i.e. a token whose log-probability counts in F = log pi(y | x); the model predicts position {@code t} from
 * positions {@code < t}, so position 0 (BOS) is never scored. {@code lastIndex[b]} is the position of the last
 * non-PAD token (where the reward model reads its value head).
 */
public record TokenBatch(int[][] tokens, boolean[][] scored, int[] lastIndex) {

    public TokenBatch {
        if (tokens.length != scored.length || tokens.length != lastIndex.length) {
            throw new IllegalArgumentException("tokens, scored and lastIndex must have one row per sample");
        }
        int t = tokens.length == 0 ? 0 : tokens[0].length;
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length != t || scored[b].length != t) {
                throw new IllegalArgumentException("row " + b + " has length " + tokens[b].length + ", expected " + t);
            }
            if (lastIndex[b] < 0 || lastIndex[b] >= t) {
                throw new IllegalArgumentException("lastIndex[" + b + "] = " + lastIndex[b] + " outside [0, " + t + ")");
            }
            if (scored[b][0]) {
                throw new IllegalArgumentException("position 0 of row " + b + " cannot be scored: nothing precedes it");
            }
        }
    }

    public int size() {
        return tokens.length;
    }

    public int length() {
        return tokens.length == 0 ? 0 : tokens[0].length;
    }

    /** Tokens before the padding over all rows (BOS up to the last non-PAD token): what the models really process. */
    public long nonPaddingTokens() {
        long n = 0;
        for (int last : lastIndex) {
            n += last + 1;
        }
        return n;
    }

    /** Number of scored tokens of row {@code b} (the |y| of PL accuracy, Eq. 26). */
    public int scoredCount(int b) {
        int n = 0;
        for (boolean s : scored[b]) {
            n += s ? 1 : 0;
        }
        return n;
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) as a new batch sharing no arrays with this one. */
    public TokenBatch rows(int from, int to) {
        int[][] tk = new int[to - from][];
        boolean[][] sc = new boolean[to - from][];
        for (int i = from; i < to; i++) {
            tk[i - from] = tokens[i].clone();
            sc[i - from] = scored[i].clone();
        }
        return new TokenBatch(tk, sc, Arrays.copyOfRange(lastIndex, from, to));
    }

    /** This batch followed by {@code other} (same length), e.g. chosen then rejected answers in one pass. */
    public TokenBatch concat(TokenBatch other) {
        if (size() > 0 && other.size() > 0 && other.length() != length()) {
            throw new IllegalArgumentException("cannot concatenate batches of length " + length() + " and " + other.length());
        }
        int n = size() + other.size();
        int[][] tk = new int[n][];
        boolean[][] sc = new boolean[n][];
        int[] last = new int[n];
        for (int i = 0; i < n; i++) {
            TokenBatch src = i < size() ? this : other;
            int j = i < size() ? i : i - size();
            tk[i] = src.tokens[j].clone();
            sc[i] = src.scored[j].clone();
            last[i] = src.lastIndex[j];
        }
        return new TokenBatch(tk, sc, last);
    }
}
