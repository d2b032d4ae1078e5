package dev.metareward.cluster.aeron;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Makes the new vector of each received frame (owned by the frame, outside any workspace). {@code
 * Nd4j.createUninitialized} also computes a new shape-info buffer per array in native code and registers it with
 * ND4J's deallocator (about 16 microseconds of CPU per array on the project VM, the largest per-frame cost of a small
 * frame); every vector of a receiver has the same shape, so on the CPU backend each new array is a fresh data buffer
 * with the shape-info buffer of one template array of that shape (about 4 microseconds; arrays of equal shape share
 * their shape info in ND4J's constant cache in the same way). On another backend: {@code createUninitialized}. The CPU
 * backend's array class is reached through a method handle, not imported, so that the module compiles with the CUDA
 * backend in its place ({@code -Pcuda}). One per receiver; used by its thread only.
 */
final class ReceiveArrays {
    private static final String CPU_ARRAY_CLASS = "org.nd4j.linalg.cpu.nativecpu.NDArray";

    private final DataType dataType;
    private final long elements;
    private INDArray template;
    /** The CPU array's constructor (data, shape-info buffer, shape info): (DataBuffer, DataBuffer, long[])INDArray. */
    private MethodHandle sharingConstructor;
    private DataBuffer shapeInfo;
    private long[] javaShapeInfo;
    private boolean shared = true;

    ReceiveArrays(DataType dataType, long elements) {
        this.dataType = dataType;
        this.elements = elements;
    }

    /** A new, uninitialised, contiguous 1-d vector of the receiver's length and type. */
    INDArray create() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (shared && template == null) {
                INDArray t = Nd4j.createUninitialized(dataType, elements);
                sharingConstructor = sharingConstructor(t);
                if (sharingConstructor != null) {
                    template = t;
                    shapeInfo = t.shapeInfoDataBuffer();
                    javaShapeInfo = t.shapeInfoJava();
                    return Nd4j.createUninitialized(dataType, elements);
                }
                shared = false; // not the CPU backend
                return t;
            }
            if (!shared) {
                return Nd4j.createUninitialized(dataType, elements);
            }
            DataBuffer data = Nd4j.createBuffer(dataType, elements, false);
            try {
                return (INDArray) sharingConstructor.invokeExact(data, shapeInfo, javaShapeInfo);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("ND4J's array constructor failed", e);
            }
        }
    }

    /** The constructor that shares a shape-info buffer, on the CPU backend; null on any other. */
    private static MethodHandle sharingConstructor(INDArray array) {
        if (!array.getClass().getName().equals(CPU_ARRAY_CLASS)) {
            return null;
        }
        try {
            return MethodHandles.publicLookup().findConstructor(array.getClass(), MethodType.methodType(void.class,
                            DataBuffer.class, array.shapeInfoDataBuffer().getClass(), long[].class))
                    .asType(MethodType.methodType(INDArray.class, DataBuffer.class, DataBuffer.class, long[].class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
