package dev.metareward.actors.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The checksum every frame carries for its vector: CRC32C over the elements in order, each written little-endian in
 * the vector's own data type (4 bytes for FLOAT, 8 for DOUBLE). A wire transport computes the same value over its
 * buffer without ND4J, so sender and receiver agree whatever carries the bytes.
 */
public final class VectorChecksum {

    private static final int CHUNK = 8192;

    private VectorChecksum() {
    }

    /**
     * CRC32C of {@code vector} as defined above. A whole, contiguous vector on a little-endian machine is read in
     * place (no copy); anything else goes through its elements.
     */
    public static long of(INDArray vector) {
        DataType type = vector.dataType();
        if (type != DataType.DOUBLE && type != DataType.FLOAT) {
            throw new IllegalArgumentException("frames carry FLOAT or DOUBLE vectors, not " + type);
        }
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && !vector.isView() && vector.offset() == 0
                && vector.ordering() == 'c' && vector.data().length() == vector.length()) {
            long bytes = vector.length() * vector.data().getElementSize();
            if (bytes <= Integer.MAX_VALUE) {
                ByteBuffer view = vector.data().asNio().duplicate();
                view.clear().limit((int) bytes);
                return ofLittleEndianBytes(view);
            }
        }
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        if (type == DataType.DOUBLE) {
            double[] values = vector.toDoubleVector();
            for (int i = 0; i < values.length; i++) {
                buffer.putDouble(values[i]);
                if (!buffer.hasRemaining()) {
                    flush(crc, buffer);
                }
            }
        } else if (type == DataType.FLOAT) {
            float[] values = vector.toFloatVector();
            for (int i = 0; i < values.length; i++) {
                buffer.putFloat(values[i]);
                if (!buffer.hasRemaining()) {
                    flush(crc, buffer);
                }
            }
        } else {
            throw new IllegalArgumentException("frames carry FLOAT or DOUBLE vectors, not " + type);
        }
        flush(crc, buffer);
        return crc.getValue();
    }

    /**
     * CRC32C of vector bytes already laid out as defined above (elements little-endian in their own type), from the
     * buffer's position to its limit; the position is left unchanged. A wire transport checks frames with it.
     */
    public static long ofLittleEndianBytes(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        int position = bytes.position();
        crc.update(bytes);
        bytes.position(position);
        return crc.getValue();
    }

    /** True when every element of {@code vector} is neither NaN nor infinite. */
    public static boolean allFinite(INDArray vector) {
        for (double v : vector.toDoubleVector()) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static void flush(CRC32C crc, ByteBuffer buffer) {
        buffer.flip();
        crc.update(buffer);
        buffer.clear();
    }
}
