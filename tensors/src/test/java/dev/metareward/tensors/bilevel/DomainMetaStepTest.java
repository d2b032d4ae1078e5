package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.ReplayedOuterLoss;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One domain's contribution: its fields, its data consumption and its determinism. */
class DomainMetaStepTest {

    private static final int VOCAB = 7;
    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.5);
    private final BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
    private final INDArray phi = reward.initialParameters(11);
    private final InnerSettings inner = new InnerSettings(4, 3, 0.3, 1.0, 20);
    private final OuterSettings outer = new OuterSettings(1, 5, OuterSettings.Optimizer.SGD, 0.1, 0);
    private final HypergradientSettings exact = new HypergradientSettings(HypergradientSettings.Mode.EXACT, 1, 0);

    @Test
    void shouldReturnTheOuterLossOfItsOwnBatchesAndTagTheContribution() {
        InMemoryDomainBatches batches = InMemoryDomainBatches.random("electronics", VOCAB, 20, 20, 12, 4);
        ReplayedOuterLoss loss = new ReplayedOuterLoss(policy, reward, batches, inner, outer.batch());
        double expected = loss.at(phi);
        loss.rewind();
        INDArray phiBefore = phi.dup();
        Contribution c = new DomainMetaStep(policy, reward, batches, inner, outer, exact).compute(phi, 17);
        assertEquals("electronics", c.domain());
        assertEquals(17, c.phiVersion());
        assertEquals(outer.batch(), c.pairs());
        assertEquals(expected, c.outerLoss(), 0.0);
        assertEquals(phi.length(), c.hypergradient().length());
        assertEquals(phiBefore, phi);
    }

    @Test
    void shouldDrawInnerStepsSftBatchesThenOnePreferenceBatch() {
        InMemoryDomainBatches batches = InMemoryDomainBatches.random("electronics", VOCAB, 20, 20, 12, 4);
        new DomainMetaStep(policy, reward, batches, inner, outer, exact).compute(phi, 0);
        InMemoryDomainBatches twin = InMemoryDomainBatches.random("electronics", VOCAB, 20, 20, 12, 4);
        for (int t = 0; t < inner.steps(); t++) {
            twin.nextSftBatch(inner.batch());
        }
        twin.nextPreferenceBatch(outer.batch());
        assertArrayEquals(twin.position(), batches.position());
    }

    @Test
    void shouldBeBitIdenticalWhenReplayedFromTheSamePosition() {
        InMemoryDomainBatches batches = InMemoryDomainBatches.random("electronics", VOCAB, 20, 20, 12, 4);
        DomainMetaStep step = new DomainMetaStep(policy, reward, batches, inner, outer, exact);
        byte[] start = batches.position();
        Contribution first = step.compute(phi, 0);
        Contribution next = step.compute(phi, 0);
        batches.restorePosition(start);
        Contribution replay = step.compute(phi, 0);
        assertArrayEquals(first.hypergradient().toDoubleVector(), replay.hypergradient().toDoubleVector(), 0.0);
        assertEquals(first.outerLoss(), replay.outerLoss(), 0.0);
        // Without the restore the next call sees new batches.
        assertTrue(first.outerLoss() != next.outerLoss());
    }

    @Test
    void shouldReportDiagnostics() {
        InMemoryDomainBatches batches = InMemoryDomainBatches.random("electronics", VOCAB, 20, 20, 12, 4);
        DomainMetaStep.Result result = new DomainMetaStep(policy, reward, batches, inner, outer,
                new HypergradientSettings(HypergradientSettings.Mode.TRUNCATED, 2, 0)).computeWithDiagnostics(phi, 0);
        DomainMetaStep.Diagnostics d = result.diagnostics();
        assertEquals(2, d.hessianSteps());
        assertEquals((long) inner.steps() * inner.batch(), d.innerSamples());
        assertEquals(result.contribution().hypergradient().norm2Number().doubleValue(), d.hypergradientNorm(), 0.0);
        assertTrue(d.outerGradientNorm() > 0 && d.innerSeconds() >= 0 && d.outerSeconds() >= 0);
        assertEquals(inner.steps(), d.innerStepSeconds().length);
        assertTrue(Arrays.stream(d.innerStepSeconds()).allMatch(x -> x > 0)
                && Arrays.stream(d.innerStepSeconds()).sum() <= d.innerSeconds(), Arrays.toString(d.innerStepSeconds()));

        // The same batches again, in the order the step draws them: D SFT batches, then the preference batch.
        InMemoryDomainBatches again = InMemoryDomainBatches.random("electronics", VOCAB, 20, 20, 12, 4);
        long tokens = 0;
        double weightSum = 0;
        double essSum = 0;
        for (int t = 0; t < inner.steps(); t++) {
            TokenBatch batch = again.nextSftBatch(inner.batch());
            tokens += batch.nonPaddingTokens();
            RewardWeights weights = RewardWeights.of(reward.rewards(phi, batch), inner.beta(), inner.rewardClamp());
            weightSum += weights.meanRaw();
            essSum += weights.effectiveSampleSize();
        }
        PreferenceBatch pairs = again.nextPreferenceBatch(outer.batch());
        tokens += pairs.chosen().nonPaddingTokens() + pairs.rejected().nonPaddingTokens();
        assertEquals(tokens, d.tokens());
        assertEquals(weightSum / inner.steps(), d.weights().meanRaw(), 1e-12);
        assertEquals(essSum / inner.steps(), d.weights().effectiveSampleSize(), 1e-12);
        assertTrue(d.weights().effectiveSampleSize() >= 1 && d.weights().effectiveSampleSize() <= inner.batch(), "ESS "
                + d.weights().effectiveSampleSize());
    }

    @Test
    void shouldMeasureTheEffectiveSampleSizeOfRewardWeights() {
        INDArray equal = Nd4j.createFromArray(0.5, 0.5, 0.5, 0.5);
        assertEquals(4.0, RewardWeights.of(equal, 1.0, 20).effectiveSampleSize(), 1e-12);
        assertEquals(Math.exp(0.5), RewardWeights.of(equal, 1.0, 20).meanRaw(), 1e-12);
        // One weight e^10 against three of e^0: (e^10 + 3)^2 / (e^20 + 3) is just above 1.
        INDArray dominated = Nd4j.createFromArray(10.0, 0.0, 0.0, 0.0);
        double e10 = Math.exp(10);
        assertEquals((e10 + 3) * (e10 + 3) / (e10 * e10 + 3),
                RewardWeights.of(dominated, 1.0, 20).effectiveSampleSize(), 1e-12);
    }
}
