package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.buffer.DataType;

import java.util.Map;

/**
 * A model on the CPU engine whose element-wise kernels are timed, for benchmarks: the rest of a step's time is BLAS
 * and call overhead. Numerically identical to {@link TransformerModel#create(ModelShape, DataType, double, long)}.
 */
public final class KernelProfile {

    private final TransformerModel model;
    private final TimedKernels timed;

    private KernelProfile(TransformerModel model, TimedKernels timed) {
        this.model = model;
        this.timed = timed;
    }

    public static KernelProfile create(ModelShape shape, DataType type, double initStd, long seed) {
        TimedKernels timed = new TimedKernels(KernelSelector.forType(type));
        return new KernelProfile(new TransformerModel(shape, type, initStd, seed, new CpuOps(timed)), timed);
    }

    public TransformerModel model() {
        return model;
    }

    /** Nanoseconds spent in each kernel since the last {@link #reset()}. */
    public Map<String, Long> kernelNanos() {
        return timed.nanos();
    }

    public void reset() {
        timed.reset();
    }

    /** Simple name of the kernel implementation in use (SIMD or scalar). */
    public String kernelImplementation() {
        return KernelSelector.forType(model.dataType()).getClass().getSimpleName();
    }
}
