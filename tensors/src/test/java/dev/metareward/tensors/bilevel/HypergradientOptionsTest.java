package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.HypergradientSettings.Mode;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.InnerSettings.RewardWeighting;
import dev.metareward.config.OuterSettings;
import dev.metareward.config.OuterSettings.LossNormalisation;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.ReplayedOuterLoss;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole hypergradient with the options of MATH.md against central differences of the outer loss in float64:
 * self-normalised reward weights (the re-derived direct term, with and without clamped rewards) and the
 * length-normalised outer loss. The set-up and the 1e-6 tolerance are those of {@link HypergradientTest}.
 */
class HypergradientOptionsTest {

    private static final Logger LOG = LoggerFactory.getLogger(HypergradientOptionsTest.class);
    private static final int VOCAB = 7;
    private static final int STEPS = 6;
    private static final int BATCH = 4;
    private static final int PAIRS = 4;
    private static final double TOLERANCE = 1e-6;
    private static final double H = 1e-5;

    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.5);
    private final BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
    private final INDArray phi = reward.initialParameters(11);

    private static InnerSettings inner(double clamp, RewardWeighting weighting) {
        return new InnerSettings(STEPS, BATCH, 0.5, 0.5, clamp, weighting);
    }

    private static OuterSettings outer(LossNormalisation normalisation) {
        return new OuterSettings(1, PAIRS, OuterSettings.Optimizer.SGD, 1e-2, 0, normalisation);
    }

    private static InMemoryDomainBatches batches() {
        return InMemoryDomainBatches.random("books", VOCAB, 30, 20, 12, 5);
    }

    private DomainMetaStep.Result compute(InMemoryDomainBatches batches, InnerSettings inner, OuterSettings outer) {
        return new DomainMetaStep(policy, reward, batches, inner, outer, new HypergradientSettings(Mode.EXACT, 1, 0))
                .computeWithDiagnostics(phi, 0);
    }

    private double errorAgainstFiniteDifferences(InnerSettings inner, LossNormalisation normalisation) {
        InMemoryDomainBatches batches = batches();
        ReplayedOuterLoss loss = new ReplayedOuterLoss(policy, reward, batches, inner, PAIRS, normalisation);
        INDArray numeric = FiniteDifferences.gradient(loss::at, phi, H);
        loss.rewind();
        INDArray g = compute(batches, inner, outer(normalisation)).contribution().hypergradient();
        return FiniteDifferences.relativeError(g, numeric);
    }

    @ParameterizedTest
    @CsvSource({"SELF_NORMALISED, SUM", "SELF_NORMALISED, LENGTH", "RAW, LENGTH"})
    void shouldMatchCentralDifferencesOfTheOuterLoss(RewardWeighting weighting, LossNormalisation normalisation) {
        double error = errorAgainstFiniteDifferences(inner(20, weighting), normalisation);
        LOG.info("{} weights, {} outer loss: hypergradient vs central differences, relative error {}", weighting,
                normalisation, error);
        assertTrue(error < TOLERANCE, "relative error " + error);
    }

    @Test
    void shouldDifferentiateTheClampedFunctionWithSelfNormalisedWeights() {
        // Clamp at the median |r / beta|: half the samples have R'_k = 0 but still enter the batch mean m.
        InnerSettings clamped = inner(medianScaledReward(), RewardWeighting.SELF_NORMALISED);
        int clampedCount = compute(batches(), clamped, outer(LossNormalisation.SUM)).diagnostics().clampedRewards();
        assertTrue(clampedCount > 0 && clampedCount < STEPS * BATCH, "expected some but not all rewards clamped, got "
                + clampedCount);
        double error = errorAgainstFiniteDifferences(clamped, LossNormalisation.SUM);
        LOG.info("self-normalised weights with {} of {} rewards clamped: relative error {}", clampedCount,
                STEPS * BATCH, error);
        assertTrue(error < TOLERANCE, "relative error " + error);
    }

    /**
     * Negative control: self-normalised steps whose direct term uses the raw formula (alpha/B) R'_k s_k, i.e. what
     * the code did before the re-derivation, fail the same check by orders of magnitude.
     */
    @Test
    void shouldDetectTheRawDirectTermUnderSelfNormalisedWeights() {
        InnerSettings inner = inner(20, RewardWeighting.SELF_NORMALISED);
        InMemoryDomainBatches batches = batches();
        ReplayedOuterLoss loss = new ReplayedOuterLoss(policy, reward, batches, inner, PAIRS);
        INDArray numeric = FiniteDifferences.gradient(loss::at, phi, H);
        loss.rewind();
        InnerTrajectory run = InnerLoop.forMetaTraining(policy, reward, inner).run(phi, batches, true);
        List<InnerStep> rawDirectTerm = run.steps().stream().map(s -> {
            RewardWeights w = s.rewardWeights();
            return new InnerStep(s.theta(), s.batch(), new RewardWeights(w.rewards(), w.raw(), w.weights(), w.clamped(),
                    w.beta(), RewardWeighting.RAW));
        }).toList();
        InnerTrajectory wrong = new InnerTrajectory(rawDirectTerm, run.finalTheta(), run.clampedRewards(),
                run.fineTuneLoss(), run.learningRate(), run.weightStatistics());
        INDArray v = PreferenceLoss.evaluate(policy, run.finalTheta(), batches.nextPreferenceBatch(PAIRS), true)
                .gradient();
        INDArray g = new Hypergradient(policy, reward, new HypergradientSettings(Mode.EXACT, 1, 0))
                .compute(phi, wrong, v).gradient();
        double error = FiniteDifferences.relativeError(g, numeric);
        LOG.info("negative control, raw direct term under self-normalised weights: relative error {}", error);
        assertTrue(error > 1e-3, "the wrong direct term was not detected: relative error only " + error);
    }

    private double medianScaledReward() {
        InnerTrajectory run = InnerLoop.forMetaTraining(policy, reward, inner(20, RewardWeighting.SELF_NORMALISED))
                .run(phi, batches(), true);
        double[] scaled = run.steps().stream().flatMapToDouble(s -> Arrays.stream(s.rewardWeights().rewards()))
                .map(r -> Math.abs(r / 0.5)).sorted().toArray();
        return (scaled[scaled.length / 2 - 1] + scaled[scaled.length / 2]) / 2;
    }
}
