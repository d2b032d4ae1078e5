package dev.metareward.tensors.model.transformer;

/**
 * The element-wise and row-wise steps of the CPU engine (everything except GEMMs) on host memory, forward and
 * backward: the {@link StepKernels} both engines share, plus the per-block and per-row kernels that {@link CpuOps}
 * builds its attention, heads and embeddings from.
 */
interface Kernels extends StepKernels {

    /** In place on the [t, t] block at {@code off}: row i becomes softmax(row[0..i]) followed by zeros. */
    void causalSoftmax(NativeBuf s, long off, int t);

    /** g (in: dP, out: dS) = P * (dP - rowsum(dP * P)) on the causal part of the [t, t] blocks, zeros above it. */
    void softmaxBackward(NativeBuf p, long pOff, NativeBuf g, long gOff, int t);

    /**
     * Returns log softmax(row)[target] of the row of length {@code v} at {@code off}; when {@code weight} is not 0 the
     * row is overwritten with the gradient of weight * that value, weight * (onehot(target) - softmax(row)).
     */
    double logSoftmaxPick(NativeBuf logits, long off, int v, int target, double weight, boolean overwriteWithGradient);

    /** dst[dstOff + i] += alpha * src[srcOff + i] for i in [0, n). */
    void axpy(double alpha, NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long n);
}
