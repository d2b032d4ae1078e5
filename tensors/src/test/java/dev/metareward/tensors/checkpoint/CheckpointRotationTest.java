package dev.metareward.tensors.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Keep-last-K rotation and "newest valid, else the previous" loading. */
class CheckpointRotationTest {

    @TempDir
    Path dir;

    private CheckpointRotation rotation(int keep) {
        return new CheckpointRotation(dir.resolve("checkpoints"), "phi", keep);
    }

    private static void writeVector(CheckpointRotation rotation, long sequence) throws IOException {
        INDArray v = Nd4j.createFromArray((double) sequence, sequence * 2.0);
        rotation.write(sequence, path -> new VectorCheckpoint("phi", v, Map.of()).write(path));
    }

    private static CheckpointRotation.Reader<INDArray> reader(long length) {
        return path -> VectorCheckpoint.read(path, "phi", length).vector();
    }

    @Test
    void shouldKeepOnlyTheNewestK() throws IOException {
        CheckpointRotation rotation = rotation(3);
        for (long s : new long[] {10, 20, 30, 40, 50}) {
            writeVector(rotation, s);
        }
        List<Path> files = rotation.list();
        assertEquals(List.of(rotation.pathFor(30), rotation.pathFor(40), rotation.pathFor(50)), files);
    }

    @Test
    void shouldOrderBySequenceNotByName() throws IOException {
        CheckpointRotation rotation = rotation(5);
        writeVector(rotation, 9);
        writeVector(rotation, 100);
        writeVector(rotation, 11);
        assertEquals(List.of(rotation.pathFor(9), rotation.pathFor(11), rotation.pathFor(100)), rotation.list());
        assertEquals(100.0, rotation.loadNewestValid(reader(2)).orElseThrow().value().getDouble(0));
    }

    @Test
    void shouldFallBackToThePreviousWhenTheNewestIsTorn() throws IOException {
        CheckpointRotation rotation = rotation(3);
        writeVector(rotation, 1);
        writeVector(rotation, 2);
        writeVector(rotation, 3);
        Path newest = rotation.pathFor(3);
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, Arrays.copyOf(bytes, bytes.length - 7));
        CheckpointRotation.Loaded<INDArray> loaded = rotation.loadNewestValid(reader(2)).orElseThrow();
        assertEquals(2, loaded.sequence());
        assertEquals(2.0, loaded.value().getDouble(0));
        assertEquals(List.of(newest), loaded.skipped());
    }

    @Test
    void shouldFallBackPastSeveralCorruptFilesAndReportEmptyWhenNoneIsValid() throws IOException {
        CheckpointRotation rotation = rotation(3);
        writeVector(rotation, 1);
        writeVector(rotation, 2);
        writeVector(rotation, 3);
        corrupt(rotation.pathFor(3));
        corrupt(rotation.pathFor(2));
        assertEquals(1, rotation.loadNewestValid(reader(2)).orElseThrow().sequence());
        corrupt(rotation.pathFor(1));
        assertEquals(Optional.empty(), rotation.loadNewestValid(reader(2)));
    }

    @Test
    void shouldNotFallBackOnAShapeMismatch() throws IOException {
        CheckpointRotation rotation = rotation(3);
        writeVector(rotation, 1);
        writeVector(rotation, 2);
        assertThrows(CheckpointMismatchException.class, () -> rotation.loadNewestValid(reader(3)));
    }

    @Test
    void shouldReportEmptyForAMissingDirectory() throws IOException {
        assertEquals(Optional.empty(), rotation(2).loadNewestValid(reader(2)));
        assertEquals(List.of(), rotation(2).list());
    }

    @Test
    void shouldIgnoreAndCleanLeftoverTemporaryFiles() throws IOException {
        CheckpointRotation rotation = rotation(2);
        writeVector(rotation, 1);
        // What a crash between create and rename leaves behind.
        Path leftover = dir.resolve("checkpoints").resolve(".phi-000000000002.ckpt.0a1b.tmp");
        Files.write(leftover, new byte[] {1, 2, 3});
        assertEquals(List.of(rotation.pathFor(1)), rotation.list());
        assertEquals(1, rotation.loadNewestValid(reader(2)).orElseThrow().sequence());
        writeVector(rotation, 2);
        assertTrue(Files.notExists(leftover));
    }

    private static void corrupt(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
    }
}
