package dev.metareward.cluster.aeron;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The receive arrays ({@link ReceiveArrays}) are independent vectors of the right shape, each owned by its frame. */
class FrameReceiveArraysTest {

    @Test
    void shouldMakeIndependentVectorsThatSurviveTheirSiblingsClose() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            ReceiveArrays arrays = new ReceiveArrays(type, 1000);
            INDArray a = arrays.create();
            INDArray b = arrays.create();
            INDArray c = arrays.create();
            for (INDArray v : new INDArray[] {a, b, c}) {
                assertEquals(type, v.dataType());
                assertArrayEquals(new long[] {1000}, v.shape());
                assertFalse(v.isView());
                assertTrue(v.closeable());
                assertEquals(1000, v.data().length());
            }
            b.assign(2);
            c.assign(3);
            b.close();
            INDArray d = arrays.create();
            d.assign(4);
            assertEquals(3000.0, c.sumNumber().doubleValue(), type.toString());
            assertEquals(4000.0, d.sumNumber().doubleValue());
            assertEquals(7000.0, c.add(d).sumNumber().doubleValue(), "ops on them make new arrays");
            INDArray reshaped = d.reshape(10, 100);
            assertArrayEquals(new long[] {1000}, arrays.create().shape(), "a reshape does not touch the shared info");
            assertEquals(4000.0, reshaped.sumNumber().doubleValue());
            assertNotSame(a.data(), c.data());
            assertSame(b.shapeInfoDataBuffer(), c.shapeInfoDataBuffer(),
                    "on the CPU backend the receiver's arrays share one shape-info buffer");
            assertTrue(Nd4j.createUninitialized(type, 1000).equalShapes(c));
        }
    }
}
