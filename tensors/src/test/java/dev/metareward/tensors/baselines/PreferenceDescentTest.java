package dev.metareward.tensors.baselines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The shared descent loop: it lowers the loss it is given, and model selection returns the best-scoring step. */
class PreferenceDescentTest {

    private static final int VOCAB = 9;
    private final BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 4, 0.3);
    private final int[] good = {3, 4, 5};
    private final int[] bad = {6, 7, 8};
    private final OuterSettings budget = new OuterSettings(40, 8, OuterSettings.Optimizer.ADAM, 0.05, 1.0);

    private InMemoryDomainBatches data() {
        return InMemoryDomainBatches.goodVersusBad("toy", good, good, bad, 20, 40, 10, 3);
    }

    @Test
    void shouldLowerLossPlOnAFixedBatchAndReportEveryStep() {
        PreferenceBatch fixed = data().nextPreferenceBatch(32);
        INDArray start = policy.initialParameters();
        List<Long> progress = new ArrayList<>();
        PreferenceDescent.Outcome outcome = PreferenceDescent.run("test", start, data(), budget,
                (theta, batch) -> PreferenceLoss.evaluate(policy, theta, batch, true), Selection.NONE,
                (phase, done, total, message) -> progress.add(done));
        double before = PreferenceLoss.evaluate(policy, start, fixed, false).loss();
        double after = PreferenceLoss.evaluate(policy, outcome.parameters(), fixed, false).loss();
        assertTrue(after < before - 0.3, "loss_PL " + before + " -> " + after);
        assertEquals(40, outcome.stepLosses().length);
        assertEquals(40, outcome.selectedStep());
        assertEquals(40, progress.size());
        assertEquals(policy.initialParameters(), start, "the starting point must not be modified");
    }

    @Test
    void shouldReturnTheBestScoringCheckedStepUnderSelection() {
        INDArray start = policy.initialParameters();
        // Scored by closeness to the start: training only moves away, so the start (step 0) must win.
        Selection stayHome = new Selection(5, theta -> -theta.sub(start).norm2Number().doubleValue());
        PreferenceDescent.Outcome kept = PreferenceDescent.run("test", start, data(), budget,
                (theta, batch) -> PreferenceLoss.evaluate(policy, theta, batch, true), stayHome, PhaseListener.NONE);
        assertEquals(0, kept.selectedStep());
        assertEquals(start, kept.parameters());
        // Scored by distance from the start: a checked step, and the parameters of that step, not a later one.
        Selection goFar = new Selection(7, theta -> theta.sub(start).norm2Number().doubleValue());
        PreferenceDescent.Outcome far = PreferenceDescent.run("test", start, data(), budget,
                (theta, batch) -> PreferenceLoss.evaluate(policy, theta, batch, true), goFar, PhaseListener.NONE);
        assertTrue(far.selectedStep() % 7 == 0 || far.selectedStep() == 40, "step " + far.selectedStep());
        assertTrue(far.selectedStep() > 0);
        OuterSettings shorter = new OuterSettings(far.selectedStep(), 8, OuterSettings.Optimizer.ADAM, 0.05, 1.0);
        PreferenceDescent.Outcome replay = PreferenceDescent.run("test", start, data(), shorter,
                (theta, batch) -> PreferenceLoss.evaluate(policy, theta, batch, true), Selection.NONE, PhaseListener.NONE);
        assertEquals(replay.parameters(), far.parameters(), "selection must return step " + far.selectedStep() + "'s theta");
    }

    @Test
    void shouldRefuseANegativeSelectionInterval() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Selection(-1, t -> 0));
        assertTrue(e.getMessage().contains("select-every"), e.getMessage());
    }
}
