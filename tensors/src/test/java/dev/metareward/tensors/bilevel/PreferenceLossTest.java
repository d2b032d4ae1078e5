package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.OuterSettings.LossNormalisation;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches.PreferencePair;
import dev.metareward.tensors.bilevel.testmodels.ToySequences;
import dev.metareward.tensors.data.PreferenceBatch;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** loss_PL and its theta gradient (MATH.md "Outer loss"). */
class PreferenceLossTest {

    private static final Logger LOG = LoggerFactory.getLogger(PreferenceLossTest.class);
    private static final int VOCAB = 7;
    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 2, 0.7);
    private final INDArray theta = policy.initialParameters();
    private final PreferenceBatch pairs = InMemoryDomainBatches.random("dvd", VOCAB, 5, 20, 12, 8).nextPreferenceBatch(6);

    @Test
    void shouldEqualMeanNegativeLogSigmoidOfMargins() {
        double[] c = policy.sequenceLogProbs(theta, pairs.chosen()).toDoubleVector();
        double[] d = policy.sequenceLogProbs(theta, pairs.rejected()).toDoubleVector();
        double expected = 0;
        for (int j = 0; j < c.length; j++) {
            expected += -Math.log(1 / (1 + Math.exp(-(c[j] - d[j])))) / c.length;
        }
        PreferenceLoss.Result result = PreferenceLoss.evaluate(policy, theta, pairs, false);
        assertEquals(expected, result.loss(), 1e-13);
        assertEquals(c[2] - d[2], result.margins()[2], 1e-13);
        assertNull(result.gradient());
    }

    @Test
    void shouldMatchCentralDifferencesForThetaGradient() {
        // h = 1e-5 in float64: truncation ~1e-10, rounding ~1e-11; a wrong sign or factor gives errors of order 1.
        INDArray analytic = PreferenceLoss.evaluate(policy, theta, pairs, true).gradient();
        INDArray numeric = FiniteDifferences.gradient(t -> PreferenceLoss.evaluate(policy, t, pairs, false).loss(), theta, 1e-5);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("loss_PL theta gradient vs central differences: relative error {}", error);
        assertTrue(error < 1e-8, "relative error " + error);
    }

    @Test
    void shouldUsePerTokenMarginsWhenLengthNormalised() {
        double[] c = policy.sequenceLogProbs(theta, pairs.chosen()).toDoubleVector();
        double[] d = policy.sequenceLogProbs(theta, pairs.rejected()).toDoubleVector();
        double expected = 0;
        boolean lengthsDiffer = false;
        for (int j = 0; j < c.length; j++) {
            int lc = pairs.chosen().scoredCount(j);
            int ld = pairs.rejected().scoredCount(j);
            lengthsDiffer |= lc != ld;
            expected += PreferenceLoss.softplus(-(c[j] / lc - d[j] / ld)) / c.length;
        }
        assertTrue(lengthsDiffer, "the test pairs must differ in length, or the option would change nothing");
        PreferenceLoss.Result result = PreferenceLoss.evaluate(policy, theta, pairs, false, LossNormalisation.LENGTH);
        assertEquals(expected, result.loss(), 1e-13);
        assertTrue(Math.abs(expected - PreferenceLoss.evaluate(policy, theta, pairs, false).loss()) > 1e-3);
    }

    @Test
    void shouldMatchCentralDifferencesForThetaGradientWhenLengthNormalised() {
        INDArray analytic = PreferenceLoss.evaluate(policy, theta, pairs, true, LossNormalisation.LENGTH).gradient();
        INDArray numeric = FiniteDifferences.gradient(
                t -> PreferenceLoss.evaluate(policy, t, pairs, false, LossNormalisation.LENGTH).loss(), theta, 1e-5);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("length-normalised loss_PL theta gradient vs central differences: relative error {}", error);
        assertTrue(error < 1e-8, "relative error " + error);
    }

    @Test
    void shouldGiveTheSameResultWhenChosenAndRejectedHaveDifferentPaddedLengths() {
        PreferencePair pair = new PreferencePair(new int[] {3, 4}, new int[] {5, 6, 5}, new int[] {4});
        PreferenceBatch same = new PreferenceBatch(
                ToySequences.sequences(List.of(pair.prompt()), List.of(pair.chosen()), 12),
                ToySequences.sequences(List.of(pair.prompt()), List.of(pair.rejected()), 12));
        PreferenceBatch different = new PreferenceBatch(
                ToySequences.sequences(List.of(pair.prompt()), List.of(pair.chosen()), 12),
                ToySequences.sequences(List.of(pair.prompt()), List.of(pair.rejected()), 9));
        PreferenceLoss.Result a = PreferenceLoss.evaluate(policy, theta, same, true);
        PreferenceLoss.Result b = PreferenceLoss.evaluate(policy, theta, different, true);
        assertEquals(a.loss(), b.loss(), 1e-14);
        assertTrue(FiniteDifferences.relativeError(a.gradient(), b.gradient()) < 1e-14);
    }

    @Test
    void shouldStayFiniteForExtremeMargins() {
        // The naive log(1 + exp(x)) overflows to infinity at x = 1000, and 1 - sigmoid underflows to 0 at -40.
        assertEquals(1000.0, PreferenceLoss.softplus(1000.0));
        assertEquals(Math.exp(-1000.0), PreferenceLoss.softplus(-1000.0));
        assertEquals(Math.log1p(Math.exp(0.3)), PreferenceLoss.softplus(0.3), 1e-16);
        assertEquals(Math.exp(-40) / (1 + Math.exp(-40)), PreferenceLoss.sigmoid(-40), 1e-30);
        assertEquals(1.0, PreferenceLoss.sigmoid(1000.0));
        assertEquals(0.0, PreferenceLoss.sigmoid(-1000.0));
    }
}
