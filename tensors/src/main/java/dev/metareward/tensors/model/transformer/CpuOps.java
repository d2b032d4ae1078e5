package dev.metareward.tensors.model.transformer;

/**
 * The CPU engine: GEMMs straight into the OpenBLAS that ND4J's CPU backend bundles ({@link Blas}, host pointers, no
 * INDArray views) and everything else as Java {@link Kernels} over host memory, one (sample, head) block at a time in
 * attention so that the block stays in cache. The fastest engine on the CPU backend and its default; it cannot run on
 * the CUDA backend, whose arrays live on the GPU.
 */
final class CpuOps implements EngineOps {

    private final Kernels k;

    CpuOps(Kernels kernels) {
        this.k = kernels;
    }

    /** The element-wise kernels in use (SIMD or scalar, possibly timed). */
    Kernels kernels() {
        return k;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int kk, double alpha, NativeBuf a, long aOff,
                     int lda, NativeBuf b, long bOff, int ldb, double beta, NativeBuf c, long cOff, int ldc) {
        Blas.gemm(transA, transB, m, n, kk, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void copy(NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long count) {
        dst.copyFrom(src, srcOff, dstOff, count);
    }

    @Override
    public void fill(NativeBuf buf, long off, long count, double value) {
        if (value == 0) {
            buf.zero(off, count);
        } else {
            buf.fill(off, count, value);
        }
    }

    @Override
    public void accumulate(NativeBuf src, NativeBuf dst, long count) {
        k.axpy(1.0, src, 0, dst, 0, count);
    }

    @Override
    public void upload(double[] values, NativeBuf dst) {
        for (int i = 0; i < values.length; i++) {
            dst.set(i, values[i]);
        }
    }

    @Override
    public double[] download(NativeBuf src, int count) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = src.get(i);
        }
        return out;
    }

    @Override
    public void embed(int[][] tokens, NativeBuf params, long tokenOff, long positionOff, NativeBuf x, int vocab, int t,
                      int d) {
        for (int b = 0; b < tokens.length; b++) {
            x.copyFrom(params, positionOff, (long) b * t * d, (long) t * d);
            for (int p = 0; p < t; p++) {
                k.axpy(1.0, params, tokenOff + (long) tokens[b][p] * d, x, ((long) b * t + p) * d, d);
            }
        }
    }

    @Override
    public void embedBackward(int[][] tokens, NativeBuf dx, NativeBuf grad, long tokenOff, long positionOff, int vocab,
                              int t, int d) {
        for (int b = 0; b < tokens.length; b++) {
            for (int p = 0; p < t; p++) {
                long row = ((long) b * t + p) * d;
                k.axpy(1.0, dx, row, grad, tokenOff + (long) tokens[b][p] * d, d);
                k.axpy(1.0, dx, row, grad, positionOff + (long) p * d, d);
            }
        }
    }

    @Override
    public void gatherRows(NativeBuf src, int[] rows, NativeBuf dst, int d) {
        for (int i = 0; i < rows.length; i++) {
            dst.copyFrom(src, (long) rows[i] * d, (long) i * d, d);
        }
    }

    @Override
    public void scatterRows(NativeBuf src, int[] rows, NativeBuf dst, int d) {
        dst.zero();
        for (int i = 0; i < rows.length; i++) {
            k.axpy(1.0, src, (long) i * d, dst, (long) rows[i] * d, d);
        }
    }

    @Override
    public void layerNorm(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat, NativeBuf rstd,
                          NativeBuf out, int rows, int d) {
        k.layerNorm(x, params, gainOff, biasOff, xhat, rstd, out, rows, d);
    }

    @Override
    public void layerNormBackward(NativeBuf dy, NativeBuf xhat, NativeBuf rstd, NativeBuf params, long gainOff,
                                  NativeBuf dx, NativeBuf grad, long dGainOff, long dBiasOff, int rows, int d) {
        k.layerNormBackward(dy, xhat, rstd, params, gainOff, dx, grad, dGainOff, dBiasOff, rows, d);
    }

    @Override
    public void addBiasRows(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols) {
        k.addBiasRows(src, params, biasOff, out, rows, cols);
    }

    @Override
    public void gelu(NativeBuf pre, NativeBuf tanh, NativeBuf act, long n) {
        k.gelu(pre, tanh, act, n);
    }

    @Override
    public void geluBackward(NativeBuf grad, NativeBuf pre, NativeBuf tanh, long n) {
        k.geluBackward(grad, pre, tanh, n);
    }

    @Override
    public void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff) {
        k.addColumnSums(x, rows, cols, out, outOff);
    }

    @Override
    public void attention(NativeBuf qkv, NativeBuf probs, NativeBuf attn, int batch, int heads, int t, int d) {
        int hd = d / heads;
        double scale = 1.0 / Math.sqrt(hd);
        forEachBlock(batch, heads, t, d, (q, so, ao) -> {
            Blas.gemm(false, true, t, t, hd, scale, qkv, q, 3 * d, qkv, q + d, 3 * d, 0, probs, so, t);
            k.causalSoftmax(probs, so, t);
            Blas.gemm(false, false, t, hd, t, 1, probs, so, t, qkv, q + 2L * d, 3 * d, 0, attn, ao, d);
        });
    }

    /** The offsets of one (sample, head) block: its queries in qkv, its [t, t] probabilities, its output in attn. */
    private interface Block {
        void run(long q, long so, long ao);
    }

    /** Runs {@code block} for every (sample, head), one block at a time so that it stays in cache. */
    private static void forEachBlock(int batch, int heads, int t, int d, Block block) {
        int hd = d / heads;
        for (int b = 0; b < batch; b++) {
            for (int head = 0; head < heads; head++) {
                block.run((long) b * t * 3 * d + (long) head * hd, ((long) b * heads + head) * t * t,
                        (long) b * t * d + (long) head * hd);
            }
        }
    }

    /** Per (row, head): scores over positions 0..p only, a softmax of those p + 1 entries, then P V. */
    @Override
    public void attentionRows(NativeBuf qkv, int[] rows, NativeBuf selectedQkv, NativeBuf probs, NativeBuf attn,
                              int heads, int t, int d) {
        int hd = d / heads;
        double scale = 1.0 / Math.sqrt(hd);
        for (int i = 0; i < rows.length; i++) {
            int keys = rows[i] - i * t + 1;
            long sample = (long) i * t * 3 * d;
            for (int head = 0; head < heads; head++) {
                long po = ((long) i * heads + head) * t;
                Blas.gemm(false, true, 1, keys, hd, scale, selectedQkv, (long) i * 3 * d + (long) head * hd, 3 * d, qkv,
                        sample + d + (long) head * hd, 3 * d, 0, probs, po, t);
                softmax(probs, po, keys);
                probs.zero(po + keys, t - keys);
                Blas.gemm(false, false, 1, hd, keys, 1, probs, po, t, qkv, sample + 2L * d + (long) head * hd, 3 * d,
                        0, attn, (long) i * d + (long) head * hd, d);
            }
        }
    }

    @Override
    public void attentionRowsBackward(NativeBuf qkv, int[] rows, NativeBuf selectedQkv, NativeBuf probs,
                                      NativeBuf dAttn, NativeBuf dProbs, NativeBuf dqkv, int heads, int t, int d) {
        int hd = d / heads;
        double scale = 1.0 / Math.sqrt(hd);
        dqkv.zero(0, (long) rows.length * t * 3 * d);
        for (int i = 0; i < rows.length; i++) {
            int keys = rows[i] - i * t + 1;
            long sample = (long) i * t * 3 * d;
            for (int head = 0; head < heads; head++) {
                long po = ((long) i * heads + head) * t;
                long dO = (long) i * d + (long) head * hd;
                long column = (long) head * hd;
                // dP = dO V^T, then dS = P * (dP - P . dP) over the keys this query saw.
                Blas.gemm(false, true, 1, keys, hd, 1, dAttn, dO, d, qkv, sample + 2L * d + column, 3 * d, 0, dProbs,
                        0, t);
                double dot = 0;
                for (int j = 0; j < keys; j++) {
                    dot += probs.get(po + j) * dProbs.get(j);
                }
                for (int j = 0; j < keys; j++) {
                    dProbs.set(j, probs.get(po + j) * (dProbs.get(j) - dot));
                }
                Blas.gemm(false, false, 1, hd, keys, scale, dProbs, 0, t, qkv, sample + d + column, 3 * d, 0, dqkv,
                        (long) rows[i] * 3 * d + column, 3 * d);
                Blas.gemm(true, false, keys, hd, 1, scale, dProbs, 0, t, selectedQkv, (long) i * 3 * d + column, 3 * d,
                        0, dqkv, sample + d + column, 3 * d);
                Blas.gemm(true, false, keys, hd, 1, 1, probs, po, t, dAttn, dO, d, 0, dqkv, sample + 2L * d + column,
                        3 * d);
            }
        }
    }

    /** In place: x[off .. off + n) becomes its softmax (n is at most one context: a scalar loop is enough). */
    private static void softmax(NativeBuf x, long off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x.get(off + j));
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double e = Math.exp(x.get(off + j) - max);
            x.set(off + j, e);
            sum += e;
        }
        for (int j = 0; j < n; j++) {
            x.set(off + j, x.get(off + j) / sum);
        }
    }

    /** One [t, t] block: {@link #attentionBackward} works through the (sample, head) blocks one at a time. */
    @Override
    public long attentionScratch(int batch, int heads, int t) {
        return (long) t * t;
    }

    /** Works through the blocks one at a time, so only the first t * t elements of {@code dp} are used. */
    @Override
    public void attentionBackward(NativeBuf qkv, NativeBuf probs, NativeBuf dAttn, NativeBuf dp, NativeBuf dqkv,
                                  int batch, int heads, int t, int d, boolean keys) {
        int hd = d / heads;
        double scale = 1.0 / Math.sqrt(hd);
        forEachBlock(batch, heads, t, d, (q, so, ao) -> {
            Blas.gemm(false, true, t, t, hd, 1, dAttn, ao, d, qkv, q + 2L * d, 3 * d, 0, dp, 0, t);
            Blas.gemm(true, false, t, hd, t, 1, probs, so, t, dAttn, ao, d, 0, dqkv, q + 2L * d, 3 * d);
            k.softmaxBackward(probs, so, dp, 0, t);
            Blas.gemm(false, false, t, hd, t, scale, dp, 0, t, qkv, q + d, 3 * d, 0, dqkv, q, 3 * d);
            if (keys) {
                Blas.gemm(true, false, t, hd, t, scale, dp, 0, t, qkv, q, 3 * d, 0, dqkv, q + d, 3 * d);
            }
        });
    }

    @Override
    public void logSoftmaxRows(NativeBuf logits, int rows, int v, int[] targets, double[] weights, NativeBuf values) {
        for (int i = 0; i < rows; i++) {
            values.set(i, k.logSoftmaxPick(logits, (long) i * v, v, targets[i], weights == null ? 0 : weights[i],
                    weights != null));
        }
    }
}
