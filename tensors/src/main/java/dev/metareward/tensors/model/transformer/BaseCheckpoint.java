package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * File format of the base weights (little-endian):
 * <pre>
 *   int   magic 0x4D524253 ("MRBS")
 *   int   format version (1)
 *   int   vocab, context, layers, d-model, heads, d-ff
 *   int   bytes per value (4 = float32, 8 = float64)
 *   long  number of values
 *   ...   values in {@link BaseLayout} order
 *   long  CRC32 of every byte before it
 * </pre>
 * Written to a temporary file, forced to disk and renamed over the target, so a crash leaves the old file or the
 * new one, never a torn one.
 */
final class BaseCheckpoint {

    static final int MAGIC = 0x4D524253;
    static final int FORMAT_VERSION = 1;
    private static final int HEADER_BYTES = 4 * 9 + 8;

    private BaseCheckpoint() {
    }

    static void write(Path file, ModelShape shape, NativeBuf base) throws IOException {
        int width = base.isDouble ? 8 : 4;
        long payload = base.length * width;
        long total = HEADER_BYTES + payload + 8;
        if (total > Integer.MAX_VALUE) {
            throw new IOException("base model of " + base.length + " values is too large for checkpoint format "
                    + FORMAT_VERSION);
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(FORMAT_VERSION)
                .putInt(shape.vocab()).putInt(shape.context()).putInt(shape.layers()).putInt(shape.dModel())
                .putInt(shape.heads()).putInt(shape.dFf()).putInt(width).putLong(base.length);
        // One bulk transfer of the whole vector (element reads would be host accesses to device memory on CUDA).
        double[] values = base.array.toDoubleVector();
        for (double v : values) {
            if (base.isDouble) {
                out.putDouble(v);
            } else {
                out.putFloat((float) v);
            }
        }
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putLong(crc.getValue());
        out.flip();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void read(Path file, ModelShape shape, NativeBuf base) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER_BYTES + 8) {
            throw new CheckpointException.Corrupt(file, "only " + bytes.length
                    + " bytes, shorter than a base checkpoint header; the file is truncated or not a checkpoint");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new CheckpointException.Corrupt(file, String.format(
                    "starts with 0x%08X, not the base checkpoint marker 0x%08X: not a metareward base checkpoint",
                    magic, MAGIC));
        }
        int version = in.getInt();
        if (version != FORMAT_VERSION) {
            throw new CheckpointException.Incompatible(file, "format version " + version + ", but this build reads version "
                    + FORMAT_VERSION);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        long stored = ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (stored != crc.getValue()) {
            throw new CheckpointException.Corrupt(file, String.format(
                    "checksum mismatch (stored %08x, computed %08x): the file is damaged; restore it or use another",
                    stored, crc.getValue()));
        }
        int vocab = in.getInt();
        int context = in.getInt();
        int layers = in.getInt();
        int dModel = in.getInt();
        int heads = in.getInt();
        int dFf = in.getInt();
        int width = in.getInt();
        long count = in.getLong();
        String fileShape = ModelShape.describe(vocab, context, layers, dModel, heads, dFf);
        if (!fileShape.equals(shape.describeBase())) {
            throw new CheckpointException.Incompatible(file, "written for a base of " + fileShape
                    + " but this model has " + shape.describeBase() + "; use a checkpoint of this shape or change model.*");
        }
        if ((width != 4 && width != 8) || count != base.length || HEADER_BYTES + count * width + 8 != bytes.length) {
            throw new CheckpointException.Corrupt(file, "header says " + count + " values of " + width
                    + " bytes, which does not match the file length " + bytes.length + " and model size " + base.length);
        }
        double[] values = new double[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = width == 8 ? in.getDouble() : in.getFloat();
        }
        base.array.assign(Nd4j.createFromArray(values).castTo(base.array.dataType()));
    }
}
