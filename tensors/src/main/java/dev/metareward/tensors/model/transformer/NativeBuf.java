package dev.metareward.tensors.model.transformer;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A flat float32 or float64 array seen three ways: as an ND4J vector (for the public API and the device engine
 * {@link Nd4jOps}), as a native pointer (for BLAS with offsets and leading dimensions, so attention heads need no
 * permute copies) and as a native-order {@link ByteBuffer} (for the Java kernels). Element offsets, never byte
 * offsets, everywhere.
 *
 * <p>The pointer and the byte buffer address host memory, so only the CPU engine ({@link CpuOps}) and host-side code
 * on the CPU backend may use them ({@link #bytes()}, {@link #get}, {@link #set}, {@link #copyFrom}, ...). They are
 * created on first use: on the CUDA backend the array lives on the GPU, and merely asking ND4J for its host view
 * would allocate and synchronise a host copy.
 */
final class NativeBuf {

    final INDArray array;
    final boolean isDouble;
    final long length;
    // Volatile: the base weights and an adapter are read by every row range's thread (RowShards), and any of them may
    // be the first to ask for a view.
    private volatile ByteBuffer bytes;
    private volatile Pointer base;

    private NativeBuf(INDArray array) {
        this.array = array;
        this.isDouble = array.dataType() == DataType.DOUBLE;
        this.length = array.length();
    }

    /** Whether anything asked for this buffer's host memory (the device engine never should). */
    boolean hostViewsUsed() {
        return bytes != null || base != null;
    }

    /** The host memory of this buffer as a native-order byte buffer (CPU engine only). */
    ByteBuffer bytes() {
        ByteBuffer b = bytes;
        if (b == null) {
            b = array.data().asNio().order(ByteOrder.nativeOrder());
            bytes = b;
        }
        return b;
    }

    private Pointer pointer() {
        Pointer p = base;
        if (p == null) {
            p = array.data().addressPointer();
            base = p;
        }
        return p;
    }

    /** A new zero-filled buffer outside any ND4J workspace (it lives as long as its owner). */
    static NativeBuf zeros(DataType type, long length) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new NativeBuf(Nd4j.create(type, Math.max(1, length)));
        }
    }

    /**
     * Wraps {@code array} without copying when it is a whole, contiguous vector of {@code type}; otherwise works on a
     * contiguous copy (reads only: writes to a copy would be lost, so callers that write must pass whole vectors).
     */
    static NativeBuf wrap(INDArray array, DataType type) {
        if (array.dataType() == type && !array.isView() && array.offset() == 0 && array.data().length() == array.length()
                && array.ordering() == 'c') {
            return new NativeBuf(array);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new NativeBuf(array.castTo(type).reshape(array.length()).dup('c'));
        }
    }

    FloatPointer floatAt(long offset) {
        return new FloatPointer(pointer()).position(offset);
    }

    DoublePointer doubleAt(long offset) {
        return new DoublePointer(pointer()).position(offset);
    }

    double get(long i) {
        ByteBuffer b = bytes();
        return isDouble ? b.getDouble((int) (i << 3)) : b.getFloat((int) (i << 2));
    }

    void set(long i, double v) {
        if (isDouble) {
            bytes().putDouble((int) (i << 3), v);
        } else {
            bytes().putFloat((int) (i << 2), (float) v);
        }
    }

    void add(long i, double v) {
        set(i, get(i) + v);
    }

    void fill(long from, long count, double v) {
        for (long i = from; i < from + count; i++) {
            set(i, v);
        }
    }

    /** Sets {@code count} elements from {@code from} to zero (one memset). */
    void zero(long from, long count) {
        int w = isDouble ? 8 : 4;
        Pointer.memset(new BytePointer(pointer()).position(from * w), 0, count * w);
    }

    void zero() {
        zero(0, length);
    }

    /** Copies {@code count} elements from {@code src[srcOff..]} to {@code this[dstOff..]}. */
    void copyFrom(NativeBuf src, long srcOff, long dstOff, long count) {
        int w = isDouble ? 8 : 4;
        if (src.isDouble == isDouble) {
            ByteBuffer s = src.bytes().duplicate();
            s.position((int) (srcOff * w)).limit((int) ((srcOff + count) * w));
            ByteBuffer d = bytes().duplicate();
            d.position((int) (dstOff * w));
            d.put(s);
        } else {
            for (long i = 0; i < count; i++) {
                set(dstOff + i, src.get(srcOff + i));
            }
        }
    }
}
