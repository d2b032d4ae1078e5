package dev.metareward.tensors.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.ToySequences;
import dev.metareward.tensors.data.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Temperature sampling of continuations. */
class SamplerTest {

    private static final int VOCAB = 7;
    private static final Set<Integer> NEVER = Set.of(ToySequences.BOS, ToySequences.PAD);
    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 3, 1.0);
    private final INDArray theta = policy.initialParameters();
    private final Sampler sampler = new Sampler(policy, ToySequences.EOS, ToySequences.PAD, NEVER);

    private static TokenBatch prompts(int rows) {
        List<int[]> p = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            p.add(new int[] {3 + b % 4, 4});
        }
        return ToySequences.prompts(p, 8);
    }

    @Test
    void shouldBeDeterministicForASeedAndVaryAcrossSeeds() {
        Sampler.Generations a = sampler.sample(theta, prompts(16), 1.0, 12, 7);
        Sampler.Generations b = sampler.sample(theta, prompts(16), 1.0, 12, 7);
        Sampler.Generations c = sampler.sample(theta, prompts(16), 1.0, 12, 8);
        assertArrayEquals(a.continuations(), b.continuations());
        assertArrayEquals(a.stoppedAtEos(), b.stoppedAtEos());
        boolean differ = false;
        for (int r = 0; r < 16; r++) {
            differ |= !Arrays.equals(a.continuations()[r], c.continuations()[r]);
        }
        assertTrue(differ);
    }

    @Test
    void shouldStopAtEosOrMaxLengthAndNeverEmitExcludedTokens() {
        int maxLength = 7;
        TokenBatch p = prompts(200);
        Sampler.Generations g = sampler.sample(theta, p, 1.0, maxLength, 1);
        int stopped = 0;
        for (int r = 0; r < g.size(); r++) {
            int[] cont = g.continuations()[r];
            int used = p.lastIndex()[r] + 1 + cont.length + (g.stoppedAtEos()[r] ? 1 : 0);
            assertTrue(used <= maxLength, "row " + r + " uses " + used + " positions");
            if (!g.stoppedAtEos()[r]) {
                assertEquals(maxLength, used, "a row without EOS must have filled the row");
            }
            for (int token : cont) {
                assertFalse(NEVER.contains(token) || token == ToySequences.EOS, "row " + r + " holds token " + token);
            }
            stopped += g.stoppedAtEos()[r] ? 1 : 0;
        }
        assertTrue(stopped > 0 && stopped < g.size(), "both endings should occur among 200 rows: " + stopped);
    }

    @Test
    void shouldDrawFromTheTemperatureScaledSoftmax() {
        // Every row is the prompt [BOS, 3]; one token is drawn per row (maxLength 3), 20000 rows, each its own stream.
        int rows = 20000;
        TokenBatch p = ToySequences.prompts(Collections.nCopies(rows, new int[] {3}), 3);
        double[] logits = policy.nextTokenLogits(theta, p.rows(0, 1)).toDoubleVector();
        for (double temperature : new double[] {0.5, 2.0}) {
            Sampler.Generations g = sampler.sample(theta, p, temperature, 3, 11);
            double[] counts = new double[VOCAB];
            for (int r = 0; r < rows; r++) {
                counts[g.stoppedAtEos()[r] ? ToySequences.EOS : g.continuations()[r][0]]++;
            }
            double[] expected = softmaxWithout(logits, temperature);
            double[] untempered = softmaxWithout(logits, 1.0);
            double worst = 0;
            double worstUntempered = 0;
            for (int k = 0; k < VOCAB; k++) {
                double sigma = Math.sqrt(rows * expected[k] * (1 - expected[k])) + 1e-9;
                worst = Math.max(worst, Math.abs(counts[k] - rows * expected[k]) / sigma);
                worstUntempered = Math.max(worstUntempered, Math.abs(counts[k] - rows * untempered[k]) / sigma);
            }
            // 5 standard deviations: a correct sampler fails this about once in 10^5 runs per token; ignoring the
            // temperature puts the counts tens of deviations off.
            assertTrue(worst < 5, "T = " + temperature + ": worst deviation " + worst + " sigma");
            assertTrue(worstUntempered > 10, "T = " + temperature + " is indistinguishable from T = 1 here");
        }
    }

    @Test
    void shouldBuildAScoredBatchOfPromptPlusContinuation() {
        TokenBatch p = prompts(30);
        Sampler.Generations g = sampler.sample(theta, p, 1.0, 9, 5);
        TokenBatch scored = sampler.asScoredBatch(p, g, 9);
        for (int r = 0; r < 30; r++) {
            int cont = g.continuations()[r].length;
            assertEquals(cont + (g.stoppedAtEos()[r] ? 1 : 0), scored.scoredCount(r));
            assertEquals(p.lastIndex()[r] + cont + (g.stoppedAtEos()[r] ? 1 : 0), scored.lastIndex()[r]);
            if (g.stoppedAtEos()[r]) {
                assertEquals(ToySequences.EOS, scored.tokens()[r][scored.lastIndex()[r]]);
            }
        }
    }

    @Test
    void shouldRejectBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(theta, prompts(2), 0.0, 9, 1));
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(theta, prompts(2), Double.NaN, 9, 1));
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(theta, prompts(2), 1.0, 2, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new Sampler(policy, ToySequences.EOS, ToySequences.PAD, Set.of(ToySequences.EOS)));
    }

    private static double[] softmaxWithout(double[] logits, double temperature) {
        double[] p = new double[logits.length];
        double total = 0;
        for (int k = 0; k < logits.length; k++) {
            p[k] = NEVER.contains(k) ? 0 : Math.exp(logits[k] / temperature);
            total += p[k];
        }
        for (int k = 0; k < logits.length; k++) {
            p[k] /= total;
        }
        return p;
    }
}
