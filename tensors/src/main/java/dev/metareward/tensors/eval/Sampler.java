package dev.metareward.tensors.eval;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Temperature sampling of continuations from a policy: starting from each prompt row (BOS + prompt, lastIndex on the
 * last prompt token), repeatedly draws the next token from softmax(logits / T) of
 * {@link PolicyModel#nextTokenLogits} and appends it, until EOS is drawn or the row has {@code maxLength} tokens.
 * Row b draws from its own generator split off the seed, so a row's sample does not depend on the other rows.
 */
public final class Sampler {

    private final PolicyModel policy;
    private final int eosToken;
    private final int padToken;
    private final Set<Integer> excludedTokens;

    /**
     * @param excludedTokens tokens never sampled (typically BOS and PAD, which the policy never learns to avoid
     *                       because they are never scored)
     */
    public Sampler(PolicyModel policy, int eosToken, int padToken, Set<Integer> excludedTokens) {
        if (excludedTokens.contains(eosToken)) {
            throw new IllegalArgumentException("EOS (" + eosToken + ") cannot be excluded from sampling: rows could never end");
        }
        this.policy = policy;
        this.eosToken = eosToken;
        this.padToken = padToken;
        this.excludedTokens = Set.copyOf(excludedTokens);
    }

    /**
     * The sampled continuations.
     *
     * @param continuations tokens drawn after each prompt, without the final EOS
     * @param stoppedAtEos whether the row ended by drawing EOS (else it reached maxLength)
     */
    public record Generations(int[][] continuations, boolean[] stoppedAtEos) {
        public int size() {
            return continuations.length;
        }
    }

    /**
     * Samples one continuation per prompt row.
     *
     * @param maxLength most tokens of a whole row (BOS + prompt + continuation + EOS), at most the model's context
     * @throws IllegalArgumentException when the temperature is not a positive finite number or a prompt is longer
     *                                  than maxLength
     */
    public Generations sample(INDArray theta, TokenBatch prompts, double temperature, int maxLength, long seed) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0 but was " + temperature);
        }
        int rows = prompts.size();
        int[][] work = new int[rows][maxLength];
        int[] last = new int[rows];
        List<List<Integer>> drawn = new ArrayList<>();
        boolean[] eos = new boolean[rows];
        boolean[] done = new boolean[rows];
        SplittableRandom base = new SplittableRandom(seed);
        SplittableRandom[] random = new SplittableRandom[rows];
        for (int b = 0; b < rows; b++) {
            if (prompts.lastIndex()[b] >= maxLength) {
                throw new IllegalArgumentException("prompt row " + b + " has " + (prompts.lastIndex()[b] + 1)
                        + " tokens, more than maxLength " + maxLength);
            }
            Arrays.fill(work[b], padToken);
            System.arraycopy(prompts.tokens()[b], 0, work[b], 0, prompts.lastIndex()[b] + 1);
            last[b] = prompts.lastIndex()[b];
            drawn.add(new ArrayList<>());
            random[b] = base.split();
            done[b] = last[b] + 1 >= maxLength;
        }
        while (true) {
            List<Integer> active = new ArrayList<>();
            for (int b = 0; b < rows; b++) {
                if (!done[b]) {
                    active.add(b);
                }
            }
            if (active.isEmpty()) {
                break;
            }
            INDArray logits = policy.nextTokenLogits(theta, prefixBatch(work, last, active));
            for (int k = 0; k < active.size(); k++) {
                int b = active.get(k);
                int token = draw(logits.getRow(k).toDoubleVector(), temperature, random[b]);
                if (token == eosToken) {
                    eos[b] = true;
                    done[b] = true;
                    continue;
                }
                work[b][++last[b]] = token;
                drawn.get(b).add(token);
                // A full row stops here, without EOS.
                done[b] = last[b] + 1 >= maxLength;
            }
        }
        int[][] continuations = new int[rows][];
        for (int b = 0; b < rows; b++) {
            continuations[b] = drawn.get(b).stream().mapToInt(Integer::intValue).toArray();
        }
        return new Generations(continuations, eos);
    }

    /**
     * Prompts plus continuations as a batch for scoring (e.g. by a reward model or judge): BOS + prompt +
     * continuation + EOS (when it was drawn) padded to {@code maxLength}; continuation tokens and EOS are scored.
     */
    public TokenBatch asScoredBatch(TokenBatch prompts, Generations generations, int maxLength) {
        int rows = prompts.size();
        int[][] tokens = new int[rows][maxLength];
        boolean[][] scored = new boolean[rows][maxLength];
        int[] last = new int[rows];
        for (int b = 0; b < rows; b++) {
            Arrays.fill(tokens[b], padToken);
            int t = prompts.lastIndex()[b] + 1;
            System.arraycopy(prompts.tokens()[b], 0, tokens[b], 0, t);
            for (int token : generations.continuations()[b]) {
                scored[b][t] = true;
                tokens[b][t++] = token;
            }
            if (generations.stoppedAtEos()[b]) {
                scored[b][t] = true;
                tokens[b][t++] = eosToken;
            }
            last[b] = t - 1;
        }
        return new TokenBatch(tokens, scored, last);
    }

    private TokenBatch prefixBatch(int[][] work, int[] last, List<Integer> active) {
        int[][] tokens = new int[active.size()][];
        boolean[][] scored = new boolean[active.size()][];
        int[] lastIndex = new int[active.size()];
        for (int k = 0; k < active.size(); k++) {
            int b = active.get(k);
            tokens[k] = work[b].clone();
            scored[k] = new boolean[work[b].length];
            lastIndex[k] = last[b];
        }
        return new TokenBatch(tokens, scored, lastIndex);
    }

    /** One draw from softmax(logits / T) with the excluded tokens removed. */
    private int draw(double[] logits, double temperature, SplittableRandom random) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < logits.length; k++) {
            if (!excludedTokens.contains(k)) {
                max = Math.max(max, logits[k]);
            }
        }
        double[] p = new double[logits.length];
        double total = 0;
        for (int k = 0; k < logits.length; k++) {
            p[k] = excludedTokens.contains(k) ? 0.0 : Math.exp((logits[k] - max) / temperature);
            total += p[k];
        }
        if (!(total > 0) || !Double.isFinite(total)) {
            throw new IllegalStateException("the policy gave non-finite next-token logits (max " + max + ")");
        }
        double u = random.nextDouble() * total;
        int lastAllowed = -1;
        for (int k = 0; k < p.length; k++) {
            if (p[k] > 0) {
                lastAllowed = k;
                u -= p[k];
                if (u < 0) {
                    return k;
                }
            }
        }
        return lastAllowed;
    }
}
