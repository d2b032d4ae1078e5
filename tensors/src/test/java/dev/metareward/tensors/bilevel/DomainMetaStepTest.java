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
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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
    }
}
