package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BaseCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void shouldRestoreTheSameBaseAfterARoundTrip() throws Exception {
        TransformerModel saved = TinyModels.model(DataType.DOUBLE, 1);
        saved.baseTrainer(1e-2).step(TinyModels.batch(2, 1));
        Path file = dir.resolve("base.bin");
        saved.saveBase(file);
        TransformerModel loaded = TinyModels.model(DataType.DOUBLE, 2);
        TokenBatch batch = TinyModels.batch(3, 2);
        assertFalse(java.util.Arrays.equals(saved.baseSequenceLogProbs(batch).toDoubleVector(),
                loaded.baseSequenceLogProbs(batch).toDoubleVector()));
        loaded.loadBase(file);
        assertArrayEquals(saved.baseParameters().toDoubleVector(), loaded.baseParameters().toDoubleVector(), 0.0);
        assertArrayEquals(saved.baseSequenceLogProbs(batch).toDoubleVector(),
                loaded.baseSequenceLogProbs(batch).toDoubleVector(), 0.0);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void shouldLoadAFloat32CheckpointIntoAFloat64Model() throws Exception {
        TransformerModel f32 = TinyModels.model(DataType.FLOAT, 3);
        Path file = dir.resolve("base32.bin");
        f32.saveBase(file);
        TransformerModel f64 = TinyModels.model(DataType.DOUBLE, 4);
        f64.loadBase(file);
        assertArrayEquals(f32.baseParameters().toDoubleVector(), f64.baseParameters().toDoubleVector(), 0.0);
    }

    @Test
    void shouldDetectACorruptedByte() throws Exception {
        Path file = dir.resolve("base.bin");
        TinyModels.model(DataType.DOUBLE, 1).saveBase(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        var e = assertThrows(CheckpointException.Corrupt.class, () -> TinyModels.model(DataType.DOUBLE, 1).loadBase(file));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void shouldDetectATruncatedFileAndAForeignFile() throws Exception {
        Path file = dir.resolve("base.bin");
        TinyModels.model(DataType.DOUBLE, 1).saveBase(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThrows(CheckpointException.Corrupt.class, () -> TinyModels.model(DataType.DOUBLE, 1).loadBase(file));
        Files.writeString(file, "{\"not\": \"a checkpoint\"} padding padding padding padding");
        var e = assertThrows(CheckpointException.Corrupt.class, () -> TinyModels.model(DataType.DOUBLE, 1).loadBase(file));
        assertTrue(e.getMessage().contains("not a metareward base checkpoint"), e.getMessage());
    }

    @Test
    void shouldRefuseACheckpointOfAnotherShapeNamingBothShapes() throws Exception {
        Path file = dir.resolve("base.bin");
        TinyModels.model(DataType.DOUBLE, 1).saveBase(file);
        ModelShape wider = new ModelShape(TinyModels.VOCAB, 12, 2, 24, 2, 32, 3, 2.0);
        TransformerModel other = TransformerModel.create(wider, DataType.DOUBLE, 0.02, 1);
        var e = assertThrows(CheckpointException.Incompatible.class, () -> other.loadBase(file));
        assertTrue(e.getMessage().contains("d-model 16") && e.getMessage().contains("d-model 24"), e.getMessage());
    }
}
