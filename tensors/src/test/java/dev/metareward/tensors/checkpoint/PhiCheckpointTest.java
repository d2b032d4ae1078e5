package dev.metareward.tensors.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Round trip, corruption detection and shape errors of checkpoint files. */
class PhiCheckpointTest {

    @TempDir
    Path dir;

    private static PhiCheckpoint sample(DataType dtype) {
        INDArray phi = Nd4j.createFromArray(0.1, -2.5e-7, Math.PI, 1e300 * (dtype == DataType.DOUBLE ? 1 : 0), -0.0)
                .castTo(dtype);
        OuterOptimizer.OptimizerState state = new OuterOptimizer.OptimizerState("adam", 42,
                new double[] {0.5, 0.25, -1, 1e-30, 3}, new double[] {1, 2, 3, 4, Double.MIN_VALUE});
        return new PhiCheckpoint(17, phi, state, Map.of("books", new byte[] {1, 2, 3}, "dvd", new byte[0]),
                Map.of("run", "local", "config-sha256", "abc", "note", "k\u00fcche \u2713"));
    }

    @Test
    void shouldRoundTripEveryFieldBitForBit() throws IOException {
        for (DataType dtype : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            PhiCheckpoint saved = sample(dtype);
            Path file = dir.resolve("phi-" + dtype + ".ckpt");
            saved.write(file);
            PhiCheckpoint loaded = PhiCheckpoint.read(file, 5);
            assertEquals(dtype, loaded.phi().dataType());
            assertEquals(saved.phi(), loaded.phi());
            assertArrayEquals(bits(saved.phi()), bits(loaded.phi()));
            assertEquals(17, loaded.version());
            assertEquals("adam", loaded.optimizer().kind());
            assertEquals(42, loaded.optimizer().steps());
            assertArrayEquals(saved.optimizer().firstMoment(), loaded.optimizer().firstMoment(), 0.0);
            assertArrayEquals(saved.optimizer().secondMoment(), loaded.optimizer().secondMoment(), 0.0);
            assertArrayEquals(new byte[] {1, 2, 3}, loaded.dataPositions().get("books"));
            assertArrayEquals(new byte[0], loaded.dataPositions().get("dvd"));
            assertEquals(saved.metadata(), loaded.metadata());
        }
    }

    @Test
    void shouldRestoreAnOptimizerThatContinuesIdentically() throws IOException {
        OuterOptimizer a = OuterOptimizer.create(new OuterSettings(1, 1,
                OuterSettings.Optimizer.ADAM, 0.1, 0), 3);
        INDArray phi = Nd4j.createFromArray(1.0, 2.0, 3.0);
        a.step(phi, Nd4j.createFromArray(0.3, -0.1, 0.2), 1);
        Path file = dir.resolve("phi.ckpt");
        new PhiCheckpoint(1, phi, a.state(), Map.of(), Map.of()).write(file);
        PhiCheckpoint loaded = PhiCheckpoint.read(file, 3);
        OuterOptimizer b = OuterOptimizer.create(new OuterSettings(1, 1,
                OuterSettings.Optimizer.ADAM, 0.1, 0), 3);
        b.restore(loaded.optimizer());
        INDArray phiB = loaded.phi();
        INDArray g = Nd4j.createFromArray(-0.5, 0.5, 0.1);
        a.step(phi, g, 1);
        b.step(phiB, g, 1);
        assertArrayEquals(phi.toDoubleVector(), phiB.toDoubleVector(), 0.0);
    }

    @Test
    void shouldDetectAnyFlippedByte() throws IOException {
        Path file = dir.resolve("phi.ckpt");
        sample(DataType.DOUBLE).write(file);
        byte[] good = Files.readAllBytes(file);
        // Every position: header, section names, payload, and the checksum itself.
        for (int k = 0; k < good.length; k++) {
            byte[] bad = good.clone();
            bad[k] ^= 0x10;
            Files.write(file, bad);
            assertThrows(CorruptCheckpointException.class, () -> PhiCheckpoint.read(file, 5), "flipped byte " + k);
        }
    }

    @Test
    void shouldDetectATornFile() throws IOException {
        Path file = dir.resolve("phi.ckpt");
        sample(DataType.DOUBLE).write(file);
        byte[] good = Files.readAllBytes(file);
        for (int length : new int[] {0, 10, good.length / 2, good.length - 1}) {
            Files.write(file, Arrays.copyOf(good, length));
            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> PhiCheckpoint.read(file, 5));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void shouldNameBothLengthsWhenTheShapeDiffers() throws IOException {
        Path file = dir.resolve("phi.ckpt");
        sample(DataType.DOUBLE).write(file);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> PhiCheckpoint.read(file, 7));
        assertTrue(e.getMessage().contains("5 entries") && e.getMessage().contains("has 7"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void shouldRefuseAVectorOfAnotherKind() throws IOException {
        Path file = dir.resolve("policy.ckpt");
        new VectorCheckpoint("policy", Nd4j.createFromArray(1f, 2f), Map.of("domain", "kitchen")).write(file);
        VectorCheckpoint loaded = VectorCheckpoint.read(file, "policy", 2);
        assertEquals(Nd4j.createFromArray(1f, 2f), loaded.vector());
        assertEquals("kitchen", loaded.metadata().get("domain"));
        assertThrows(CheckpointMismatchException.class, () -> VectorCheckpoint.read(file, "base-model", 2));
        assertThrows(CheckpointMismatchException.class, () -> PhiCheckpoint.read(file, 2));
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> VectorCheckpoint.read(file, "policy", 3));
        assertTrue(e.getMessage().contains("2 entries") && e.getMessage().contains("has 3"), e.getMessage());
    }

    @Test
    void shouldRefuseANewerFormatVersionEvenWithAValidChecksum() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.write("MRWDCKPT".getBytes(StandardCharsets.US_ASCII));
        out.writeInt(CheckpointFile.FORMAT_VERSION + 1);
        out.writeInt(0);
        out.flush();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.toByteArray());
        Path file = dir.resolve("future.ckpt");
        Files.write(file, body.toByteArray());
        Files.write(file, digest, StandardOpenOption.APPEND);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> CheckpointFile.read(file));
        assertTrue(e.getMessage().contains("format version " + (CheckpointFile.FORMAT_VERSION + 1)), e.getMessage());
    }

    @Test
    void shouldReplaceAnExistingFileAndLeaveNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("phi.ckpt");
        sample(DataType.DOUBLE).write(file);
        PhiCheckpoint newer = new PhiCheckpoint(18, Nd4j.createFromArray(1.0, 2, 3, 4, 5),
                new OuterOptimizer.OptimizerState("sgd", 3, new double[0], new double[0]), Map.of(), Map.of());
        newer.write(file);
        assertEquals(18, PhiCheckpoint.read(file, 5).version());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    private static long[] bits(INDArray a) {
        return Arrays.stream(a.castTo(DataType.DOUBLE).toDoubleVector()).mapToLong(Double::doubleToRawLongBits).toArray();
    }
}
