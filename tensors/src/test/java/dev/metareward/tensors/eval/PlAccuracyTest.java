package dev.metareward.tensors.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.ToySequences;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** PL accuracy, paper Eq. 26: length-normalised comparison, ties wrong. */
class PlAccuracyTest {

    private static final int VOCAB = 7;

    private static PreferenceBatch pairs(List<int[]> chosen, List<int[]> rejected) {
        List<int[]> prompts = chosen.stream().map(c -> new int[] {3}).toList();
        return new PreferenceBatch(ToySequences.sequences(prompts, chosen, 10), ToySequences.sequences(prompts, rejected, 10));
    }

    @Test
    void shouldCompareLengthNormalisedLogLikelihoods() {
        // Scored lengths include EOS: chosen 2 + 1 = 3, rejected 1 + 1 = 2.
        PreferenceBatch batch = pairs(List.of(new int[] {4, 5}, new int[] {4, 5}), List.of(new int[] {6}, new int[] {6}));
        // Pair 0: F(c) = -6 (-2 per token) beats F(d) = -5 (-2.5 per token) although -6 < -5.
        // Pair 1: F(c) = -9 (-3 per token) loses to F(d) = -5 (-2.5 per token).
        PlAccuracy.Counts counts = PlAccuracy.count(new double[] {-6, -9}, new double[] {-5, -5}, batch, 1e-12);
        assertEquals(new PlAccuracy.Counts(1, 2), counts);
        assertEquals(0.5, counts.accuracy());
    }

    @Test
    void shouldCountTiesAsWrong() {
        PreferenceBatch batch = pairs(List.of(new int[] {4, 5}), List.of(new int[] {6}));
        assertEquals(0, PlAccuracy.count(new double[] {-3}, new double[] {-2}, batch, 1e-12).correct());
        // A last-bit difference (identical answers in different GEMM rows) is still a tie; 1e-9 relative is not.
        assertEquals(0, PlAccuracy.count(new double[] {Math.nextUp(-3.0)}, new double[] {-2}, batch, 1e-12).correct());
        assertEquals(1, PlAccuracy.count(new double[] {-3 * (1 - 1e-9)}, new double[] {-2}, batch, 1e-12).correct());
        // A pair whose two answers are the same sequence ties exactly under any policy.
        BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 5, 1.0);
        PreferenceBatch random = InMemoryDomainBatches.random("d", VOCAB, 4, 30, 12, 2).nextPreferenceBatch(20);
        PreferenceBatch identical = new PreferenceBatch(random.chosen(), random.chosen());
        assertEquals(new PlAccuracy.Counts(0, 20), PlAccuracy.evaluate(policy, policy.initialParameters(), identical));
    }

    @Test
    void shouldAgreeWithLogLikelihoodsComputedSeparately() {
        BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 5, 1.0);
        INDArray theta = policy.initialParameters();
        PreferenceBatch batch = InMemoryDomainBatches.random("d", VOCAB, 4, 30, 12, 2).nextPreferenceBatch(40);
        double[] c = policy.sequenceLogProbs(theta, batch.chosen()).toDoubleVector();
        double[] d = policy.sequenceLogProbs(theta, batch.rejected()).toDoubleVector();
        long correct = 0;
        for (int j = 0; j < c.length; j++) {
            correct += c[j] / batch.chosen().scoredCount(j) > d[j] / batch.rejected().scoredCount(j) ? 1 : 0;
        }
        PlAccuracy.Counts counts = PlAccuracy.evaluate(policy, theta, batch);
        assertEquals(correct, counts.correct());
        assertTrue(correct > 0 && correct < 40, "a random policy should get some but not all pairs right: " + correct);
        assertEquals(new PlAccuracy.Counts(2 * correct, 80), counts.plus(counts));
    }

    @Test
    void shouldRejectAnAnswerWithoutScoredTokens() {
        TokenBatch unscored = new TokenBatch(new int[][] {{0, 3, 1}}, new boolean[][] {{false, false, false}}, new int[] {2});
        PreferenceBatch batch = new PreferenceBatch(unscored, unscored);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlAccuracy.count(new double[] {0}, new double[] {0}, batch, 1e-12));
        assertTrue(e.getMessage().contains("pair 0"), e.getMessage());
    }

    @Test
    void shouldReportNaNAccuracyForNoPairs() {
        assertTrue(Double.isNaN(PlAccuracy.Counts.NONE.accuracy()));
    }
}
