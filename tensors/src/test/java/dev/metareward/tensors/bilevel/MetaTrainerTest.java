package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.ReplayedOuterLoss;
import dev.metareward.tensors.checkpoint.PhiCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Algorithm 1 in one process on a learnable toy problem. */
class MetaTrainerTest {

    private static final Logger LOG = LoggerFactory.getLogger(MetaTrainerTest.class);
    static final int VOCAB = 9;
    static final int LENGTH = 10;
    static final int[] GOOD = {3, 4};
    static final int[] BAD = {5, 6};
    static final int[] PROMPTS = {7, 8};

    @TempDir
    Path dir;

    final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.1);
    final BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.3);
    final InnerSettings inner = new InnerSettings(5, 8, 0.5, 1.0, 20);
    final OuterSettings outer = new OuterSettings(20, 8, OuterSettings.Optimizer.ADAM, 0.1, 0);
    final HypergradientSettings exact = new HypergradientSettings(HypergradientSettings.Mode.EXACT, 1, 0);

    static InMemoryDomainBatches domain(String name, long seed) {
        return InMemoryDomainBatches.goodVersusBad(name, PROMPTS, GOOD, BAD, 40, 40, LENGTH, seed);
    }

    @Test
    void shouldLowerTheOuterLossOnALearnableProblem() {
        List<DomainBatches> domains = List.of(domain("books", 1), domain("dvd", 2));
        INDArray phi0 = reward.initialParameters(3);
        // L on a fixed evaluation draw of a third domain of the same family: same batches before and after.
        ReplayedOuterLoss evaluation = new ReplayedOuterLoss(policy, reward, domain("eval", 9), inner, 32);
        double before = evaluation.at(phi0);
        MetaTrainer trainer = MetaTrainer.create(policy, reward, domains, inner, outer, exact, phi0);
        List<MetaTrainer.OuterStepRecord> heard = new ArrayList<>();
        trainer.addListener(heard::add);
        List<MetaTrainer.OuterStepRecord> records = trainer.train(20);
        double after = evaluation.at(trainer.phi());
        double firstFive = records.subList(0, 5).stream().mapToDouble(MetaTrainer.OuterStepRecord::meanOuterLoss).average().orElseThrow();
        double lastFive = records.subList(15, 20).stream().mapToDouble(MetaTrainer.OuterStepRecord::meanOuterLoss).average().orElseThrow();
        LOG.info("toy meta-training: evaluation L {} -> {}; mean recorded loss of steps 1-5 {}, of steps 16-20 {}",
                before, after, firstFive, lastFive);
        assertTrue(after < before - 0.05, "evaluation loss " + before + " -> " + after);
        assertTrue(lastFive < firstFive, "recorded loss " + firstFive + " -> " + lastFive);
        assertEquals(records, heard);
        assertEquals(20, trainer.version());
        for (int s = 0; s < records.size(); s++) {
            assertEquals(s, records.get(s).phiVersion());
            assertTrue(records.get(s).applied());
            assertEquals(2, records.get(s).outerLossByDomain().size());
        }
    }

    @Test
    void shouldApplyTheMeanOfTheDomainContributions() {
        OuterSettings sgd = new OuterSettings(1, 8, OuterSettings.Optimizer.SGD, 0.3, 0);
        INDArray phi0 = reward.initialParameters(3);
        MetaTrainer trainer = MetaTrainer.create(policy, reward, List.of(domain("books", 1), domain("dvd", 2)), inner, sgd,
                exact, phi0);
        trainer.step();
        // Independently: each domain's contribution from the same starting positions, averaged, one SGD step.
        INDArray g1 = new DomainMetaStep(policy, reward, domain("books", 1), inner, sgd, exact).compute(phi0, 0).hypergradient();
        INDArray g2 = new DomainMetaStep(policy, reward, domain("dvd", 2), inner, sgd, exact).compute(phi0, 0).hypergradient();
        INDArray expected = phi0.sub(g1.add(g2).mul(0.5 * 0.3));
        assertArrayEquals(expected.toDoubleVector(), trainer.phi().toDoubleVector(), 1e-15);
        assertEquals(1, trainer.version());
    }

    @Test
    void shouldResumeFromACheckpointExactly() throws IOException {
        INDArray phi0 = reward.initialParameters(3);
        MetaTrainer a = MetaTrainer.create(policy, reward, List.of(domain("books", 1), domain("dvd", 2)), inner, outer, exact, phi0);
        a.train(2);
        Path file = dir.resolve("phi-2.ckpt");
        new PhiCheckpoint(a.version(), a.phi(), a.optimizer().state(), a.dataPositions(), Map.of("run", "test")).write(file);
        a.train(2);

        PhiCheckpoint saved = PhiCheckpoint.read(file, reward.parameterCount());
        MetaTrainer b = MetaTrainer.create(policy, reward, List.of(domain("books", 1), domain("dvd", 2)), inner, outer, exact, phi0);
        b.resume(saved.phi(), saved.version(), saved.optimizer(), saved.dataPositions());
        b.train(2);
        assertEquals(a.version(), b.version());
        assertArrayEquals(a.phi().toDoubleVector(), b.phi().toDoubleVector(), 0.0);
    }

    @Test
    void shouldKeepPhiAndVersionWhenTheUpdateIsRefused() {
        // float32 phi and SGD with learning rate 1e300: phi - eta * g does not fit a float, so the step is refused.
        BigramPolicy policy32 = new BigramPolicy(VOCAB, DataType.FLOAT, 1, 0.1);
        BagOfTokensReward reward32 = new BagOfTokensReward(VOCAB, 4, DataType.FLOAT, 0.3);
        OuterSettings absurd = new OuterSettings(1, 8, OuterSettings.Optimizer.SGD, 1e300, 0);
        INDArray phi0 = reward32.initialParameters(3);
        MetaTrainer trainer = MetaTrainer.create(policy32, reward32, List.of(domain("books", 1)), inner, absurd, exact, phi0);
        MetaTrainer.OuterStepRecord record = trainer.step();
        assertEquals(false, record.applied());
        assertEquals(0, trainer.version());
        assertArrayEquals(phi0.toFloatVector(), trainer.phi().toFloatVector(), 0.0f);
        assertEquals(1, trainer.optimizer().refusedSteps());
        assertTrue(Double.isFinite(record.meanOuterLoss()) && record.gradientNorm() > 0);
    }

    @Test
    void shouldRefuseToResumeWithoutAPositionForEveryDomain() {
        MetaTrainer trainer = MetaTrainer.create(policy, reward, List.of(domain("books", 1)), inner, outer, exact,
                reward.initialParameters(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.resume(trainer.phi().dup(), 3,
                trainer.optimizer().state(), Map.of("dvd", new byte[16])));
        assertTrue(e.getMessage().contains("books"), e.getMessage());
    }
}
