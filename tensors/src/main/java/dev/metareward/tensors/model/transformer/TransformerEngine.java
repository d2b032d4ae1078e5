package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-written forward and backward pass of the pre-LayerNorm decoder over a frozen (or, for the warm start,
 * trained) base vector, with an optional LoRA adapter on the query and value projections.
 *
 * <p>Why hand-written rather than SameDiff: SameDiff 1.0.0-M2.1 has wrong gradients for several ops, costs about
 * 8 us per op and cannot give second derivatives (FACTS.md), while this model needs only a few dozen large
 * operations per layer. Every matrix product is one BLAS call on [B * T, d] row-major buffers; attention works on
 * each (sample, head) block in place through leading dimensions (no permute copies); the remaining steps are
 * {@link Kernels}. Backward computes only what is asked: LoRA gradients through frozen layers skip the weight
 * gradients of the base, the input gradient of layer 0 and the key gradient of layer 0. Every buffer comes from
 * {@link Activations}, reused per batch size, so steady-state calls allocate no off-heap memory.
 *
 * <p>Not thread-safe: one engine (one model) per thread.
 */
final class TransformerEngine {

    private static final int CACHED_BATCH_SIZES = 4;

    final ModelShape shape;
    final DataType type;
    final BaseLayout layout;
    final NativeBuf base;
    final Kernels kernels;
    private final Map<Integer, Activations> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Activations> eldest) {
            return size() > CACHED_BATCH_SIZES;
        }
    };

    TransformerEngine(ModelShape shape, DataType type, NativeBuf base, Kernels kernels) {
        this.shape = shape;
        this.type = type;
        this.layout = new BaseLayout(shape);
        this.base = base;
        this.kernels = kernels;
    }

    private NativeBuf ones;

    /**
     * out[r, :] = (src == null ? 0 : src[r, :]) + bias for {@code rows} rows: a copy plus one rank-1 GEMM, which BLAS
     * runs at memory speed on both cores (a Java loop over direct buffers was 3x slower).
     */
    private void broadcastBias(NativeBuf src, long biasOff, NativeBuf out, int rows, int cols) {
        if (ones == null || ones.length < rows) {
            ones = NativeBuf.zeros(type, rows);
            ones.fill(0, rows, 1.0);
        }
        if (src != null) {
            out.copyFrom(src, 0, 0, (long) rows * cols);
        }
        Blas.gemm(false, false, rows, cols, 1, 1, ones, 0, 1, base, biasOff, cols, src == null ? 0 : 1, out, 0, cols);
    }

    /** Buffers for a batch of {@code batch} sequences (created on first use of that size). */
    Activations activations(int batch) {
        return cache.computeIfAbsent(batch, b -> new Activations(shape, type, b));
    }

    /** Rejects a batch this model cannot read, with what was expected. */
    void validate(TokenBatch batch) {
        if (batch.size() == 0) {
            throw new IllegalArgumentException("empty token batch: at least one sequence is needed");
        }
        if (batch.length() != shape.context()) {
            throw new IllegalArgumentException("token batch has sequences of length " + batch.length()
                    + " but the model's context is " + shape.context() + " (pad or truncate to model.context)");
        }
        for (int b = 0; b < batch.size(); b++) {
            int[] row = batch.tokens()[b];
            for (int t = 0; t < row.length; t++) {
                if (row[t] < 0 || row[t] >= shape.vocab()) {
                    throw new IllegalArgumentException("token " + row[t] + " at row " + b + ", position " + t
                            + " is outside the vocabulary [0, " + shape.vocab() + ")");
                }
                // Causal attention makes positions <= lastIndex independent of the padding after them; a scored
                // position beyond lastIndex would read padding, so it is refused.
                if (batch.scored()[b][t] && t > batch.lastIndex()[b]) {
                    throw new IllegalArgumentException("row " + b + " scores position " + t
                            + " after its last non-PAD token at " + batch.lastIndex()[b]);
                }
            }
        }
    }

    /** Runs the base (plus the LoRA in {@code adapter} when not null) up to the final LayerNorm, into {@code a.hidden}. */
    void forward(Activations a, int[][] tokens, NativeBuf adapter, AdapterLayout al) {
        Kernels k = kernels;
        int t = shape.context();
        int d = shape.dModel();
        int f = shape.dFf();
        int r = shape.loraRank();
        int h = shape.heads();
        int hd = shape.headDim();
        int n = a.rows;
        double scale = 1.0 / Math.sqrt(hd);

        NativeBuf x0 = a.x[0];
        for (int b = 0; b < a.batch; b++) {
            x0.copyFrom(base, layout.positionEmbedding, (long) b * t * d, (long) t * d);
            for (int p = 0; p < t; p++) {
                k.axpy(1.0, base, layout.tokenEmbedding + (long) tokens[b][p] * d, x0, ((long) b * t + p) * d, d);
            }
        }
        for (int l = 0; l < shape.layers(); l++) {
            BaseLayout.Block w = layout.blocks[l];
            NativeBuf qkv = a.qkv[l];
            k.layerNorm(a.x[l], base, w.ln1Gain(), w.ln1Bias(), a.ln1Hat[l], a.ln1Rstd[l], a.ln1Out[l], n, d);
            broadcastBias(null, w.qkvBias(), qkv, n, 3 * d);
            Blas.gemm(false, false, n, 3 * d, d, 1, a.ln1Out[l], 0, d, base, w.qkvWeight(), 3 * d, 1, qkv, 0, 3 * d);
            if (adapter != null) {
                double s = shape.loraScale();
                Blas.gemm(false, true, n, 2 * r, d, 1, a.ln1Out[l], 0, d, adapter, al.loraA[l], d,
                        0, a.loraDown[l], 0, 2 * r);
                Blas.gemm(false, true, n, d, r, s, a.loraDown[l], 0, 2 * r, adapter, al.loraBq[l], r, 1, qkv, 0, 3 * d);
                Blas.gemm(false, true, n, d, r, s, a.loraDown[l], r, 2 * r, adapter, al.loraBv[l], r, 1, qkv, 2L * d, 3 * d);
            }
            NativeBuf probs = a.probs[l];
            for (int b = 0; b < a.batch; b++) {
                for (int head = 0; head < h; head++) {
                    long q = (long) b * t * 3 * d + (long) head * hd;
                    long so = ((long) b * h + head) * t * t;
                    Blas.gemm(false, true, t, t, hd, scale, qkv, q, 3 * d, qkv, q + d, 3 * d, 0, probs, so, t);
                    k.causalSoftmax(probs, so, t);
                    Blas.gemm(false, false, t, hd, t, 1, probs, so, t, qkv, q + 2L * d, 3 * d,
                            0, a.attn[l], (long) b * t * d + (long) head * hd, d);
                }
            }
            broadcastBias(a.x[l], w.outBias(), a.mid[l], n, d);
            Blas.gemm(false, false, n, d, d, 1, a.attn[l], 0, d, base, w.outWeight(), d, 1, a.mid[l], 0, d);
            k.layerNorm(a.mid[l], base, w.ln2Gain(), w.ln2Bias(), a.ln2Hat[l], a.ln2Rstd[l], a.ln2Out[l], n, d);
            broadcastBias(null, w.fc1Bias(), a.preAct[l], n, f);
            Blas.gemm(false, false, n, f, d, 1, a.ln2Out[l], 0, d, base, w.fc1Weight(), f, 1, a.preAct[l], 0, f);
            k.gelu(a.preAct[l], a.tanh[l], a.act[l], (long) n * f);
            broadcastBias(a.mid[l], w.fc2Bias(), a.x[l + 1], n, d);
            Blas.gemm(false, false, n, d, f, 1, a.act[l], 0, f, base, w.fc2Weight(), d, 1, a.x[l + 1], 0, d);
        }
        k.layerNorm(a.x[shape.layers()], base, layout.finalGain, layout.finalBias, a.finalHat, a.finalRstd, a.hidden,
                n, d);
    }

    /**
     * Back-propagates {@code a.dHidden} (gradient of the objective with respect to the final LayerNorm output).
     * Accumulates into {@code adapterGrad} (LoRA part, same layout as the adapter) when not null and into
     * {@code baseGrad} (every base weight) when not null.
     */
    void backward(Activations a, int[][] tokens, NativeBuf adapter, AdapterLayout al, NativeBuf adapterGrad,
                  NativeBuf baseGrad) {
        Kernels k = kernels;
        int t = shape.context();
        int d = shape.dModel();
        int f = shape.dFf();
        int r = shape.loraRank();
        int h = shape.heads();
        int hd = shape.headDim();
        int n = a.rows;
        double scale = 1.0 / Math.sqrt(hd);
        NativeBuf dx = a.dx;
        dx.zero();
        k.layerNormBackward(a.dHidden, a.finalHat, a.finalRstd, base, layout.finalGain, dx, baseGrad,
                layout.finalGain, layout.finalBias, n, d);
        for (int l = shape.layers() - 1; l >= 0; l--) {
            BaseLayout.Block w = layout.blocks[l];
            NativeBuf qkv = a.qkv[l];
            NativeBuf dqkv = a.dqkv;
            // MLP: x[l + 1] = mid + gelu(LN2(mid) W1 + b1) W2 + b2
            if (baseGrad != null) {
                Blas.gemm(true, false, f, d, n, 1, a.act[l], 0, f, dx, 0, d, 1, baseGrad, w.fc2Weight(), d);
                k.addColumnSums(dx, n, d, baseGrad, w.fc2Bias());
            }
            Blas.gemm(false, true, n, f, d, 1, dx, 0, d, base, w.fc2Weight(), d, 0, a.dAct, 0, f);
            k.geluBackward(a.dAct, a.preAct[l], a.tanh[l], (long) n * f);
            if (baseGrad != null) {
                Blas.gemm(true, false, d, f, n, 1, a.ln2Out[l], 0, d, a.dAct, 0, f, 1, baseGrad, w.fc1Weight(), f);
                k.addColumnSums(a.dAct, n, f, baseGrad, w.fc1Bias());
            }
            Blas.gemm(false, true, n, d, f, 1, a.dAct, 0, f, base, w.fc1Weight(), f, 0, a.dxn, 0, d);
            k.layerNormBackward(a.dxn, a.ln2Hat[l], a.ln2Rstd[l], base, w.ln2Gain(), dx, baseGrad, w.ln2Gain(),
                    w.ln2Bias(), n, d);
            // attention: mid = x + attn Wo + bo
            if (baseGrad != null) {
                Blas.gemm(true, false, d, d, n, 1, a.attn[l], 0, d, dx, 0, d, 1, baseGrad, w.outWeight(), d);
                k.addColumnSums(dx, n, d, baseGrad, w.outBias());
            }
            Blas.gemm(false, true, n, d, d, 1, dx, 0, d, base, w.outWeight(), d, 0, a.dAttn, 0, d);
            // Layer 0's input is the frozen embedding: unless the base trains, neither it nor the keys need a gradient.
            boolean needInput = l > 0 || baseGrad != null;
            NativeBuf probs = a.probs[l];
            NativeBuf dp = a.dProbs;
            for (int b = 0; b < a.batch; b++) {
                for (int head = 0; head < h; head++) {
                    long q = (long) b * t * 3 * d + (long) head * hd;
                    long so = ((long) b * h + head) * t * t;
                    long ao = (long) b * t * d + (long) head * hd;
                    Blas.gemm(false, true, t, t, hd, 1, a.dAttn, ao, d, qkv, q + 2L * d, 3 * d, 0, dp, 0, t);
                    Blas.gemm(true, false, t, hd, t, 1, probs, so, t, a.dAttn, ao, d, 0, dqkv, q + 2L * d, 3 * d);
                    k.softmaxBackward(probs, so, dp, 0, t);
                    Blas.gemm(false, false, t, hd, t, scale, dp, 0, t, qkv, q + d, 3 * d, 0, dqkv, q, 3 * d);
                    if (needInput) {
                        Blas.gemm(true, false, t, hd, t, scale, dp, 0, t, qkv, q, 3 * d, 0, dqkv, q + d, 3 * d);
                    }
                }
            }
            if (adapter != null) {
                double s = shape.loraScale();
                Blas.gemm(false, false, n, r, d, s, dqkv, 0, 3 * d, adapter, al.loraBq[l], r, 0, a.dDown, 0, 2 * r);
                Blas.gemm(false, false, n, r, d, s, dqkv, 2L * d, 3 * d, adapter, al.loraBv[l], r, 0, a.dDown, r, 2 * r);
                if (adapterGrad != null) {
                    Blas.gemm(true, false, d, r, n, s, dqkv, 0, 3 * d, a.loraDown[l], 0, 2 * r,
                            1, adapterGrad, al.loraBq[l], r);
                    Blas.gemm(true, false, d, r, n, s, dqkv, 2L * d, 3 * d, a.loraDown[l], r, 2 * r,
                            1, adapterGrad, al.loraBv[l], r);
                    Blas.gemm(true, false, 2 * r, d, n, 1, a.dDown, 0, 2 * r, a.ln1Out[l], 0, d,
                            1, adapterGrad, al.loraA[l], d);
                }
            }
            if (needInput) {
                if (baseGrad != null) {
                    Blas.gemm(true, false, d, 3 * d, n, 1, a.ln1Out[l], 0, d, dqkv, 0, 3 * d,
                            1, baseGrad, w.qkvWeight(), 3 * d);
                    k.addColumnSums(dqkv, n, 3 * d, baseGrad, w.qkvBias());
                }
                Blas.gemm(false, true, n, d, 3 * d, 1, dqkv, 0, 3 * d, base, w.qkvWeight(), 3 * d, 0, a.dxn, 0, d);
                if (adapter != null) {
                    Blas.gemm(false, false, n, d, 2 * r, 1, a.dDown, 0, 2 * r, adapter, al.loraA[l], d, 1, a.dxn, 0, d);
                }
                k.layerNormBackward(a.dxn, a.ln1Hat[l], a.ln1Rstd[l], base, w.ln1Gain(), dx, baseGrad, w.ln1Gain(),
                        w.ln1Bias(), n, d);
            }
        }
        if (baseGrad != null) {
            for (int b = 0; b < a.batch; b++) {
                for (int p = 0; p < t; p++) {
                    long row = ((long) b * t + p) * d;
                    k.axpy(1.0, dx, row, baseGrad, layout.tokenEmbedding + (long) tokens[b][p] * d, d);
                    k.axpy(1.0, dx, row, baseGrad, layout.positionEmbedding + (long) p * d, d);
                }
            }
        }
    }

    /**
     * LM head on the selected rows of {@code a.hidden}: returns log softmax(logits)[target] per selected row. When
     * {@code grad} is not null, adds the head gradient of sum_i rowWeight[i] * value[i] to {@code grad} at
     * ({@code gradWeightOff}, {@code gradBiasOff}) and sets {@code a.dHidden} to its gradient for {@link #backward}.
     */
    double[] lmHead(Activations a, TargetRows rows, NativeBuf params, long weightOff, long biasOff, double[] rowWeight,
                    NativeBuf grad, long gradWeightOff, long gradBiasOff) {
        Kernels k = kernels;
        int d = shape.dModel();
        int v = shape.vocab();
        int m = rows.count();
        double[] values = new double[m];
        if (m == 0) {
            if (grad != null) {
                a.dHidden.zero();
            }
            return values;
        }
        for (int i = 0; i < m; i++) {
            a.selected.copyFrom(a.hidden, (long) rows.row()[i] * d, (long) i * d, d);
        }
        k.addBiasRows(null, params, biasOff, a.logits, m, v);
        Blas.gemm(false, false, m, v, d, 1, a.selected, 0, d, params, weightOff, v, 1, a.logits, 0, v);
        for (int i = 0; i < m; i++) {
            values[i] = k.logSoftmaxPick(a.logits, (long) i * v, v, rows.target()[i], grad == null ? 0 : rowWeight[i],
                    grad != null);
        }
        if (grad != null) {
            Blas.gemm(true, false, d, v, m, 1, a.selected, 0, d, a.logits, 0, v, 1, grad, gradWeightOff, v);
            k.addColumnSums(a.logits, m, v, grad, gradBiasOff);
            Blas.gemm(false, true, m, d, v, 1, a.logits, 0, v, params, weightOff, v, 0, a.dSelected, 0, d);
            a.dHidden.zero();
            for (int i = 0; i < m; i++) {
                k.axpy(1.0, a.dSelected, (long) i * d, a.dHidden, (long) rows.row()[i] * d, d);
            }
        }
        return values;
    }

    /** Logits of the selected rows, [count, vocab] in {@code a.logits}. */
    void logits(Activations a, TargetRows rows, NativeBuf params, long weightOff, long biasOff) {
        int d = shape.dModel();
        int v = shape.vocab();
        int m = rows.count();
        for (int i = 0; i < m; i++) {
            a.selected.copyFrom(a.hidden, (long) rows.row()[i] * d, (long) i * d, d);
        }
        kernels.addBiasRows(null, params, biasOff, a.logits, m, v);
        Blas.gemm(false, false, m, v, d, 1, a.selected, 0, d, params, weightOff, v, 1, a.logits, 0, v);
    }
}
