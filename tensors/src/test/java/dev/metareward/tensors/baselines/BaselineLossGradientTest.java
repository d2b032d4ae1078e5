package dev.metareward.tensors.baselines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The baselines' losses and their gradients against central finite differences in float64, on the real tiny test
 * models (a softmax bigram policy, a tanh bag-of-tokens reward model). h = 1e-5: truncation ~1e-10, rounding
 * ~1e-11; a wrong sign, a missing b or 1/n gives errors of order 1.
 */
class BaselineLossGradientTest {

    private static final Logger LOG = LoggerFactory.getLogger(BaselineLossGradientTest.class);
    private static final int VOCAB = 7;
    private static final double H = 1e-5;
    private static final double TOLERANCE = 1e-8;

    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 2, 0.7);
    private final BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
    private final PreferenceBatch pairs = InMemoryDomainBatches.random("dvd", VOCAB, 5, 20, 12, 8).nextPreferenceBatch(6);

    @Test
    void shouldEqualMeanNegativeLogSigmoidOfRewardMarginsForBradleyTerry() {
        INDArray phi = reward.initialParameters(3);
        double[] c = reward.rewards(phi, pairs.chosen()).toDoubleVector();
        double[] d = reward.rewards(phi, pairs.rejected()).toDoubleVector();
        double expected = 0;
        for (int j = 0; j < c.length; j++) {
            expected += -Math.log(1 / (1 + Math.exp(-(c[j] - d[j])))) / c.length;
        }
        PreferenceLoss.Result result = BradleyTerryLoss.evaluate(reward, phi, pairs, false);
        assertEquals(expected, result.loss(), 1e-13);
        assertEquals(c[4] - d[4], result.margins()[4], 1e-13);
        assertNull(result.gradient());
    }

    @Test
    void shouldMatchCentralDifferencesForTheBradleyTerryPhiGradient() {
        INDArray phi = reward.initialParameters(3);
        INDArray analytic = BradleyTerryLoss.evaluate(reward, phi, pairs, true).gradient();
        INDArray numeric = FiniteDifferences.gradient(p -> BradleyTerryLoss.evaluate(reward, p, pairs, false).loss(), phi, H);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("Bradley-Terry phi gradient vs central differences: relative error {} (norm {})", error,
                numeric.norm2Number());
        assertTrue(error < TOLERANCE, "relative error " + error);
    }

    @Test
    void shouldBeLogTwoWhereThePolicyIsItsOwnDpoReference() {
        INDArray theta = policy.initialParameters();
        DpoLoss.ReferenceMargins reference = DpoLoss.referenceMargins(policy, theta, pairs);
        assertEquals(Math.log(2), DpoLoss.evaluate(policy, theta, pairs, reference, 0.3, false).loss(), 1e-13);
    }

    @Test
    void shouldEqualTheDpoFormulaAwayFromTheReference() {
        INDArray reference = policy.initialParameters();
        INDArray theta = moved(reference, 0.3, 5);
        double beta = 0.7;
        double[] c = policy.sequenceLogProbs(theta, pairs.chosen()).toDoubleVector();
        double[] d = policy.sequenceLogProbs(theta, pairs.rejected()).toDoubleVector();
        double[] rc = policy.sequenceLogProbs(reference, pairs.chosen()).toDoubleVector();
        double[] rd = policy.sequenceLogProbs(reference, pairs.rejected()).toDoubleVector();
        double expected = 0;
        for (int j = 0; j < c.length; j++) {
            double z = beta * ((c[j] - rc[j]) - (d[j] - rd[j]));
            expected += -Math.log(1 / (1 + Math.exp(-z))) / c.length;
        }
        DpoLoss.ReferenceMargins margins = DpoLoss.referenceMargins(policy, reference, pairs);
        assertEquals(expected, DpoLoss.evaluate(policy, theta, pairs, margins, beta, false).loss(), 1e-13);
    }

    @Test
    void shouldMatchCentralDifferencesForTheDpoThetaGradient() {
        INDArray reference = policy.initialParameters();
        DpoLoss.ReferenceMargins margins = DpoLoss.referenceMargins(policy, reference, pairs);
        // Away from the reference (at it every sigmoid is 1/2) and with b != 1, so that a missing b shows.
        INDArray theta = moved(reference, 0.3, 5);
        double beta = 0.7;
        INDArray analytic = DpoLoss.evaluate(policy, theta, pairs, margins, beta, true).gradient();
        INDArray numeric = FiniteDifferences.gradient(
                t -> DpoLoss.evaluate(policy, t, pairs, margins, beta, false).loss(), theta, H);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("DPO theta gradient vs central differences: relative error {} (norm {})", error, numeric.norm2Number());
        assertTrue(error < TOLERANCE, "relative error " + error);
    }

    @Test
    void shouldMatchCentralDifferencesForTheHplThetaGradient() {
        // HPL's loss is loss_PL itself; checked here at a theta away from theta_0, where HPL training goes.
        INDArray theta = moved(policy.initialParameters(), 0.3, 9);
        INDArray analytic = PreferenceLoss.evaluate(policy, theta, pairs, true).gradient();
        INDArray numeric = FiniteDifferences.gradient(t -> PreferenceLoss.evaluate(policy, t, pairs, false).loss(), theta, H);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("HPL (loss_PL) theta gradient vs central differences: relative error {}", error);
        assertTrue(error < TOLERANCE, "relative error " + error);
    }

    @Test
    void shouldGiveTheSameLossesAndGradientsWhenChosenAndRejectedHaveDifferentPaddedLengths() {
        PreferenceBatch uneven = new PreferenceBatch(pairs.chosen(), trimmed(pairs.rejected(), 10));
        INDArray phi = reward.initialParameters(3);
        PreferenceLoss.Result a = BradleyTerryLoss.evaluate(reward, phi, pairs, true);
        PreferenceLoss.Result b = BradleyTerryLoss.evaluate(reward, phi, uneven, true);
        assertEquals(a.loss(), b.loss(), 1e-14);
        assertTrue(FiniteDifferences.relativeError(a.gradient(), b.gradient()) < 1e-13);

        INDArray reference = policy.initialParameters();
        INDArray theta = moved(reference, 0.3, 5);
        PreferenceLoss.Result p = DpoLoss.evaluate(policy, theta, pairs,
                DpoLoss.referenceMargins(policy, reference, pairs), 0.5, true);
        PreferenceLoss.Result q = DpoLoss.evaluate(policy, theta, uneven,
                DpoLoss.referenceMargins(policy, reference, uneven), 0.5, true);
        assertEquals(p.loss(), q.loss(), 1e-14);
        assertTrue(FiniteDifferences.relativeError(p.gradient(), q.gradient()) < 1e-13);
    }

    @Test
    void shouldRefuseAnEmptyBatchAndABadBeta() {
        PreferenceBatch empty = new PreferenceBatch(pairs.chosen().rows(0, 0), pairs.rejected().rows(0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BradleyTerryLoss.evaluate(reward, reward.initialParameters(3), empty, false));
        assertTrue(e.getMessage().contains("Bradley-Terry") && e.getMessage().contains("at least one pair"), e.getMessage());
        INDArray theta = policy.initialParameters();
        DpoLoss.ReferenceMargins margins = DpoLoss.referenceMargins(policy, theta, pairs);
        e = assertThrows(IllegalArgumentException.class, () -> DpoLoss.evaluate(policy, theta, pairs, margins, 0, false));
        assertTrue(e.getMessage().contains("beta"), e.getMessage());
    }

    /** The first {@code length} positions of every row (all rows of the toy batches end before 10). */
    private static TokenBatch trimmed(TokenBatch batch, int length) {
        int[][] tokens = new int[batch.size()][];
        boolean[][] scored = new boolean[batch.size()][];
        for (int b = 0; b < batch.size(); b++) {
            assertTrue(batch.lastIndex()[b] < length, "row " + b + " does not fit in " + length);
            tokens[b] = java.util.Arrays.copyOf(batch.tokens()[b], length);
            scored[b] = java.util.Arrays.copyOf(batch.scored()[b], length);
        }
        return new TokenBatch(tokens, scored, batch.lastIndex().clone());
    }

    private static INDArray moved(INDArray theta, double std, long seed) {
        return theta.add(FiniteDifferences.randomUnit(theta.length(), theta, new SplittableRandom(seed))
                .mul(std * Math.sqrt(theta.length())));
    }
}
