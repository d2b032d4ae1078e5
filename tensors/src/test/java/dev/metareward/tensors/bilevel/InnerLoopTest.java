package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.InnerSettings;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.data.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The inner loop against MATH.md's update rule, written out per sample here. */
class InnerLoopTest {

    private static final int VOCAB = 7;
    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.5);
    private final BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
    private final INDArray phi = reward.initialParameters(11);
    private final InnerSettings settings = new InnerSettings(3, 4, 0.3, 0.7, 20);

    private static InMemoryDomainBatches batches() {
        return InMemoryDomainBatches.random("books", VOCAB, 30, 10, 12, 5);
    }

    @Test
    void shouldTakeRewardWeightedStepsAsTheFormulaSays() {
        InnerTrajectory run = InnerLoop.forMetaTraining(policy, reward, settings).run(phi, batches(), true);
        // Rebuild every step from per-sample gradients: theta_{t+1} = theta_t + alpha/B sum_i exp(r_i/beta) grad F_i.
        InMemoryDomainBatches replay = batches();
        INDArray theta = policy.initialParameters();
        for (int t = 0; t < settings.steps(); t++) {
            TokenBatch batch = replay.nextSftBatch(settings.batch());
            double[] r = reward.rewards(phi, batch).toDoubleVector();
            INDArray sum = Nd4j.zeros(DataType.DOUBLE, policy.parameterCount());
            for (int i = 0; i < batch.size(); i++) {
                double[] onlyI = new double[batch.size()];
                onlyI[i] = 1;
                sum.addi(policy.sequenceLogProbsAndGradient(theta, batch, onlyI).gradient().mul(Math.exp(r[i] / settings.beta())));
            }
            assertTrue(FiniteDifferences.relativeError(theta, run.steps().get(t).theta()) < 1e-14, "theta_" + t);
            assertArrayEquals(r, run.steps().get(t).rewardWeights().rewards());
            theta = theta.add(sum.mul(settings.learningRate() / settings.batch()));
        }
        double error = FiniteDifferences.relativeError(theta, run.finalTheta());
        assertTrue(error < 1e-14, "theta_D relative error " + error);
        assertEquals(0, run.clampedRewards());
    }

    @Test
    void shouldRestartFromThetaZeroAndLeavePhiUnchanged() {
        InMemoryDomainBatches batches = batches();
        INDArray phiBefore = phi.dup();
        InnerLoop loop = InnerLoop.forMetaTraining(policy, reward, settings);
        InnerTrajectory first = loop.run(phi, batches, true);
        InnerTrajectory second = loop.run(phi, batches, true);
        assertEquals(policy.initialParameters(), first.steps().get(0).theta());
        assertEquals(policy.initialParameters(), second.steps().get(0).theta());
        // The second run consumed new batches, so it ends elsewhere.
        assertTrue(FiniteDifferences.relativeError(first.finalTheta(), second.finalTheta()) > 1e-6);
        assertEquals(phiBefore, phi);
    }

    @Test
    void shouldReplayExactlyFromARestoredPosition() {
        InMemoryDomainBatches batches = batches();
        byte[] start = batches.position();
        InnerLoop loop = InnerLoop.forMetaTraining(policy, reward, settings);
        INDArray kept = loop.run(phi, batches, true).finalTheta();
        batches.restorePosition(start);
        INDArray light = loop.run(phi, batches, false).finalTheta();
        assertEquals(kept, light);
    }

    @Test
    void shouldClampAndCountLargeRewards() {
        double clamp = 0.05;
        InnerSettings tight = new InnerSettings(2, 4, 0.3, 0.7, clamp);
        InnerTrajectory run = InnerLoop.forMetaTraining(policy, reward, tight).run(phi, batches(), true);
        int expectedClamped = 0;
        for (InnerStep step : run.steps()) {
            RewardWeights w = step.rewardWeights();
            for (int i = 0; i < w.size(); i++) {
                double scaled = w.rewards()[i] / tight.beta();
                boolean outside = Math.abs(scaled) > clamp;
                expectedClamped += outside ? 1 : 0;
                assertEquals(outside, w.clamped()[i]);
                assertEquals(Math.exp(Math.max(-clamp, Math.min(clamp, scaled))), w.weights()[i], 1e-15);
                assertEquals(outside ? 0.0 : w.weights()[i] / tight.beta(), w.derivativeFactor(i));
            }
        }
        assertTrue(expectedClamped > 0);
        assertEquals(expectedClamped, run.clampedRewards());
    }

    @Test
    void shouldNotOverflowWhenRewardsAreHuge() {
        RewardWeights w = RewardWeights.of(Nd4j.createFromArray(1e6, -1e6, Double.POSITIVE_INFINITY), 1.0, 20);
        assertArrayEquals(new double[] {Math.exp(20), Math.exp(-20), Math.exp(20)}, w.weights());
        assertEquals(3, w.clampedCount());
    }

    @Test
    void shouldDivideByTheBatchMeanWhenSelfNormalisedWhileTheClampStillGuardsExp() {
        double[] r = {0.4, -1.2, 1e6, 2.0};
        RewardWeights w = RewardWeights.of(r, 0.5, 20, InnerSettings.RewardWeighting.SELF_NORMALISED);
        double[] raw = {Math.exp(0.8), Math.exp(-2.4), Math.exp(20), Math.exp(4.0)};
        double m = (raw[0] + raw[1] + raw[2] + raw[3]) / 4;
        for (int i = 0; i < r.length; i++) {
            assertEquals(raw[i], w.raw()[i], 1e-12 * raw[i]);
            assertEquals(raw[i] / m, w.weights()[i], 1e-12);
        }
        assertEquals(m, w.meanRaw(), 1e-12 * m);
        assertEquals(0.0, w.derivativeFactor(2));
        assertEquals(raw[3] / 0.5, w.derivativeFactor(3), 1e-12);
        double sum = 0;
        double squares = 0;
        for (double x : raw) {
            sum += x;
            squares += x * x;
        }
        assertEquals(sum * sum / squares, w.effectiveSampleSize(), 1e-12);
        assertEquals(4.0, RewardWeights.of(new double[] {3, 3, 3, 3}, 1, 20,
                InnerSettings.RewardWeighting.SELF_NORMALISED).effectiveSampleSize(), 1e-12);
    }

    @Test
    void shouldRejectNaNRewardsWithAClearMessage() {
        NonFiniteValueException e = assertThrows(NonFiniteValueException.class,
                () -> RewardWeights.of(Nd4j.createFromArray(0.0, Double.NaN), 1.0, 20));
        assertTrue(e.getMessage().contains("r_1"), e.getMessage());
    }

    @Test
    void shouldStopWithTheDomainAndStepWhenThetaDiverges() {
        InnerSettings explosive = new InnerSettings(3, 4, 1e308, 0.7, 20);
        NonFiniteValueException e = assertThrows(NonFiniteValueException.class,
                () -> InnerLoop.forMetaTraining(policy, reward, explosive).run(phi, batches(), false));
        assertTrue(e.getMessage().contains("books") && e.getMessage().contains("step 1"), e.getMessage());
    }

    @Test
    void shouldRecordFineTuneLossAtThetaBeforeEachUpdate() {
        InnerTrajectory run = InnerLoop.forMetaTraining(policy, reward, settings).run(phi, batches(), true);
        for (int t = 0; t < settings.steps(); t++) {
            InnerStep step = run.steps().get(t);
            double[] f = policy.sequenceLogProbs(step.theta(), step.batch()).toDoubleVector();
            double expected = 0;
            for (int i = 0; i < f.length; i++) {
                expected -= step.rewardWeights().weights()[i] * f[i] / f.length;
            }
            assertEquals(expected, run.fineTuneLoss()[t], 1e-12);
        }
    }

    @Test
    void shouldKeepRewardJacobiansOnlyWhileTheyFitTheBudget() {
        // The bench workloads (tiny: D 50, B 8, |phi| 8321; small: D 20, B 16, |phi| 33025) keep them ...
        assertTrue(InnerLoop.rewardJacobiansFit(50, 8, 8321));
        assertTrue(InnerLoop.rewardJacobiansFit(20, 16, 33025));
        // ... a large model's phi (D 50, B 16, 4M parameters: 25 GB at 8 bytes) does not.
        assertFalse(InnerLoop.rewardJacobiansFit(50, 16, 4_000_000));
        long limit = InnerLoop.REWARD_JACOBIAN_BUDGET_BYTES / Double.BYTES;
        assertTrue(InnerLoop.rewardJacobiansFit(1, 1, limit));
        assertFalse(InnerLoop.rewardJacobiansFit(1, 1, limit + 1));
    }
}
