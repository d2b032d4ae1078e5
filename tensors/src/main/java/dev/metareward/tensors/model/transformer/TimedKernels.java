package dev.metareward.tensors.model.transformer;

import java.util.LinkedHashMap;
import java.util.Map;

/** A {@link Kernels} decorator that adds up the wall time spent in each kernel (profiling only). */
final class TimedKernels implements Kernels {

    private static final String[] NAMES = {"layerNorm", "layerNormBackward", "addBiasRows", "gelu", "geluBackward",
        "causalSoftmax", "softmaxBackward", "addColumnSums", "logSoftmaxPick", "axpy"};
    private final Kernels inner;
    private final long[] nanos = new long[NAMES.length];

    TimedKernels(Kernels inner) {
        this.inner = inner;
    }

    Map<String, Long> nanos() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            out.put(NAMES[i], nanos[i]);
        }
        return out;
    }

    void reset() {
        java.util.Arrays.fill(nanos, 0);
    }

    @Override
    public void layerNorm(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat, NativeBuf rstd,
                          NativeBuf out, int rows, int d) {
        long s = System.nanoTime();
        inner.layerNorm(x, params, gainOff, biasOff, xhat, rstd, out, rows, d);
        nanos[0] += System.nanoTime() - s;
    }

    @Override
    public void layerNormBackward(NativeBuf dy, NativeBuf xhat, NativeBuf rstd, NativeBuf params, long gainOff,
                                  NativeBuf dx, NativeBuf grad, long dGainOff, long dBiasOff, int rows, int d) {
        long s = System.nanoTime();
        inner.layerNormBackward(dy, xhat, rstd, params, gainOff, dx, grad, dGainOff, dBiasOff, rows, d);
        nanos[1] += System.nanoTime() - s;
    }

    @Override
    public void addBiasRows(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols) {
        long s = System.nanoTime();
        inner.addBiasRows(src, params, biasOff, out, rows, cols);
        nanos[2] += System.nanoTime() - s;
    }

    @Override
    public void gelu(NativeBuf pre, NativeBuf tanh, NativeBuf act, long n) {
        long s = System.nanoTime();
        inner.gelu(pre, tanh, act, n);
        nanos[3] += System.nanoTime() - s;
    }

    @Override
    public void geluBackward(NativeBuf grad, NativeBuf pre, NativeBuf tanh, long n) {
        long s = System.nanoTime();
        inner.geluBackward(grad, pre, tanh, n);
        nanos[4] += System.nanoTime() - s;
    }

    @Override
    public void causalSoftmax(NativeBuf s, long off, int t) {
        long start = System.nanoTime();
        inner.causalSoftmax(s, off, t);
        nanos[5] += System.nanoTime() - start;
    }

    @Override
    public void softmaxBackward(NativeBuf p, long pOff, NativeBuf g, long gOff, int t) {
        long s = System.nanoTime();
        inner.softmaxBackward(p, pOff, g, gOff, t);
        nanos[6] += System.nanoTime() - s;
    }

    @Override
    public void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff) {
        long s = System.nanoTime();
        inner.addColumnSums(x, rows, cols, out, outOff);
        nanos[7] += System.nanoTime() - s;
    }

    @Override
    public double logSoftmaxPick(NativeBuf logits, long off, int v, int target, double weight,
                                 boolean overwriteWithGradient) {
        long s = System.nanoTime();
        double r = inner.logSoftmaxPick(logits, off, v, target, weight, overwriteWithGradient);
        nanos[8] += System.nanoTime() - s;
        return r;
    }

    @Override
    public void axpy(double alpha, NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long n) {
        long s = System.nanoTime();
        inner.axpy(alpha, src, srcOff, dst, dstOff, n);
        nanos[9] += System.nanoTime() - s;
    }
}
