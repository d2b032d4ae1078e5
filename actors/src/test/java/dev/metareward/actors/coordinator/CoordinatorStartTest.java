package dev.metareward.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.checkpoint.RotatingCheckpointStore;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import dev.metareward.tensors.checkpoint.CheckpointMismatchException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CoordinatorStartTest {

    private static final OuterSettings ADAM = new OuterSettings(10, 2, OuterSettings.Optimizer.ADAM, 0.1, 0.0);

    @TempDir
    Path dir;

    private static INDArray phi0() {
        return Nd4j.createFromArray(new float[][] {{0.5f, -1f}, {2f, 0.25f}});
    }

    /** Writes a checkpoint of {@code runId} at version 3 after two Adam steps. */
    private RotatingCheckpointStore storeWithCheckpoint(String runId) throws Exception {
        RotatingCheckpointStore store = new RotatingCheckpointStore(dir, 2);
        OuterOptimizer optimizer = OuterOptimizer.create(ADAM, 4);
        INDArray phi = Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0);
        optimizer.step(phi, Nd4j.createFromArray(0.1, 0.2, 0.3, 0.4), 1.0);
        optimizer.step(phi, Nd4j.createFromArray(0.1, 0.2, 0.3, 0.4), 1.0);
        store.save(new RunState(runId, 3, phi, optimizer.state(),
                Map.of("books", new DomainResume(new byte[] {9}, 7))));
        return store;
    }

    @Test
    void shouldStartFreshAtVersionZeroWithAFlatCopyOfPhi() {
        INDArray phi0 = phi0();
        CoordinatorStart start = CoordinatorStart.fresh("r", phi0, ADAM);
        assertEquals(0, start.initial().version());
        assertEquals(Optional.empty(), start.resumedFrom());
        assertEquals(1, start.initial().phi().rank());
        assertArrayEquals(new float[] {0.5f, -1f, 2f, 0.25f}, start.initial().phi().toFloatVector());
        start.initial().phi().putScalar(0, 99f);
        assertEquals(0.5f, phi0.getFloat(0, 0), "the caller's phi is not shared");
        assertEquals(0, start.optimizer().steps());
        assertTrue(start.initial().domains().isEmpty());
    }

    @Test
    void shouldStartFreshWhenTheDirectoryHasNoCheckpoint() {
        CoordinatorStart start = CoordinatorStart.fromCheckpoints("r", phi0(), ADAM, new RotatingCheckpointStore(dir, 2));
        assertEquals(0, start.initial().version());
        assertEquals(Optional.empty(), start.resumedFrom());
    }

    @Test
    void shouldResumeFromTheNewestCheckpointWithTheOptimizerRestoredAndPhiInItsDataType() throws Exception {
        CoordinatorStart start = CoordinatorStart.fromCheckpoints("r", phi0(), ADAM, storeWithCheckpoint("r"));
        assertEquals(3, start.initial().version());
        assertEquals(DataType.FLOAT, start.initial().phi().dataType());
        assertEquals(2, start.optimizer().steps());
        assertEquals(7, start.initial().domains().get("books").lastSequence());
        assertTrue(start.resumedFrom().orElseThrow().getFileName().toString().startsWith("phi-"));
    }

    @Test
    void shouldRefuseACheckpointOfAnotherRun() throws Exception {
        RotatingCheckpointStore store = storeWithCheckpoint("other");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> CoordinatorStart.fromCheckpoints("r", phi0(), ADAM, store));
        assertTrue(e.getMessage().contains("'other'"), e.getMessage());
    }
}
