package dev.metareward.actors.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class VectorChecksumTest {

    private static long reference(double[] values, DataType type) {
        ByteBuffer b = ByteBuffer.allocate(values.length * (type == DataType.DOUBLE ? 8 : 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (type == DataType.DOUBLE) {
                b.putDouble(v);
            } else {
                b.putFloat((float) v);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.flip());
        return crc.getValue();
    }

    @Test
    void shouldHashContiguousVectorsInPlaceAndViewsElementwiseToTheSameDefinition() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double[] values = new double[20_000];
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.sin(i) * 1e3;
            }
            INDArray whole = Nd4j.createFromArray(values).castTo(type);
            long expected = reference(values, type);
            assertEquals(expected, VectorChecksum.of(whole), type + " contiguous");
            INDArray padded = Nd4j.createFromArray(new double[values.length + 3]).castTo(type);
            padded.get(NDArrayIndex.interval(3, values.length + 3)).assign(whole);
            INDArray view = padded.get(NDArrayIndex.interval(3, values.length + 3));
            assertEquals(expected, VectorChecksum.of(view), type + " view");
            ByteBuffer bytes = ByteBuffer.allocateDirect(values.length * (int) whole.data().getElementSize());
            bytes.put(whole.data().asNio().duplicate().clear().limit(bytes.capacity())).flip();
            assertEquals(expected, VectorChecksum.ofLittleEndianBytes(bytes));
            assertEquals(0, bytes.position(), "position unchanged");
            whole.putScalar(7, 1.5);
            assertNotEquals(expected, VectorChecksum.of(whole));
        }
    }
}
