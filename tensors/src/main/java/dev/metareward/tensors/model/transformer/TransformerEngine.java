package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-written forward and backward pass of the pre-LayerNorm decoder over a frozen (or, for the warm start,
 * trained) base vector, with an optional LoRA adapter on the query and value projections.
 *
 * <p>Why hand-written rather than SameDiff: SameDiff 1.0.0-M2.1 has wrong gradients for several ops, costs about
 * 8 us per op and cannot give second derivatives (FACTS.md), while this model needs only a few dozen large
 * operations per layer. Every matrix product is one GEMM on [B * T, d] row-major buffers; attention works on
 * each (sample, head) block in place through leading dimensions (no permute copies). Backward computes only what is
 * asked: LoRA gradients through frozen layers skip the weight gradients of the base, the input gradient of layer 0
 * and the key gradient of layer 0. Every buffer comes from {@link Activations}, reused per batch size, so
 * steady-state calls allocate no buffers of their own.
 *
 * <p>The code here is backend-neutral: every operation goes through {@link EngineOps}, the fast CPU engine
 * ({@link CpuOps}) or the ND4J device engine ({@link Nd4jOps}); this class never touches host memory of a buffer.
 * Per-row results stay in buffers until the caller reads them with {@link #rowValues} after its last step.
 *
 * <p>Not thread-safe: one engine (one model) per thread.
 */
final class TransformerEngine {

    private static final int CACHED_BATCH_SIZES = 4;

    final ModelShape shape;
    final DataType type;
    final BaseLayout layout;
    final NativeBuf base;
    final EngineOps ops;
    private final Map<Integer, Activations> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Activations> eldest) {
            return size() > CACHED_BATCH_SIZES;
        }
    };

    TransformerEngine(ModelShape shape, DataType type, NativeBuf base, EngineOps ops) {
        this.shape = shape;
        this.type = type;
        this.layout = new BaseLayout(shape);
        this.base = base;
        this.ops = ops;
    }

    private NativeBuf ones;
    private final Map<Long, NativeBuf> scratchGradients = new HashMap<>(4);

    /**
     * out[r, :] = (src == null ? 0 : src[r, :]) + params[biasOff ..] for {@code rows} rows: a copy plus one rank-1
     * GEMM, which BLAS runs at memory speed on both cores (a Java loop over direct buffers was 3x slower).
     */
    private void broadcastBias(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols) {
        if (ones == null || ones.length < rows) {
            ones = NativeBuf.zeros(type, rows);
            ops.fill(ones, 0, rows, 1.0);
        }
        if (src != null) {
            ops.copy(src, 0, out, 0, (long) rows * cols);
        }
        ops.gemm(false, false, rows, cols, 1, 1, ones, 0, 1, params, biasOff, cols, src == null ? 0 : 1, out, 0, cols);
    }

    /**
     * A zeroed gradient buffer of {@code length} elements owned by this engine, for a row range whose part is added
     * into another range's result and then no longer read (the next call on this engine reuses it). One per length:
     * the policy's, the reward model's and the base's gradients alternate on the same engines.
     */
    NativeBuf scratchGradient(long length) {
        NativeBuf scratch = scratchGradients.get(length);
        if (scratch == null) {
            scratch = NativeBuf.zeros(type, length);
            scratchGradients.put(length, scratch);
        } else {
            ops.fill(scratch, 0, length, 0);
        }
        return scratch;
    }

    /** The activation buffers kept for the batch sizes used recently. */
    java.util.Collection<Activations> cachedActivations() {
        return cache.values();
    }

    /** Buffers for a batch of {@code batch} sequences (created on first use of that size). */
    Activations activations(int batch) {
        return cache.computeIfAbsent(batch, b -> new Activations(shape, type, b, ops));
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
        int layers = shape.layers();
        embedAndBlocks(a, tokens, adapter, al, layers);
        ops.layerNorm(a.x[layers], base, layout.finalGain, layout.finalBias, a.finalHat, a.finalRstd, a.hidden, a.rows,
                shape.dModel());
    }

    /** The embedding and the first {@code blocks} blocks on every row, into {@code a.x[blocks]}. */
    private void embedAndBlocks(Activations a, int[][] tokens, NativeBuf adapter, AdapterLayout al, int blocks) {
        int d = shape.dModel();
        ops.embed(tokens, base, layout.tokenEmbedding, layout.positionEmbedding, a.x[0], shape.vocab(), shape.context(),
                d);
        for (int l = 0; l < blocks; l++) {
            attentionInputs(a, l, adapter, al);
            ops.attention(a.qkv[l], a.probs[l], a.attn[l], a.batch, shape.heads(), shape.context(), d);
            blockTail(layout.blocks[l], a.x[l], a.attn[l], a.tail(l), a.x[l + 1], a.rows);
        }
    }

    /**
     * Forward only, for a head that reads one row per sample ({@code rows[i]} in sample i, e.g. the last non-PAD
     * token for the value head): the blocks before the last run on every row, the last one computes its keys and
     * values for every row but its queries, attention, MLP and the final LayerNorm only for those rows (the rest of
     * the last block would be computed and never read). The hidden states go to {@code a.lastRows().hidden}, row i
     * for {@code rows[i]}. Its backward is {@link #backwardLastRows}.
     */
    void forwardLastRows(Activations a, int[][] tokens, NativeBuf adapter, AdapterLayout al, int[] rows) {
        int d = shape.dModel();
        int last = shape.layers() - 1;
        embedAndBlocks(a, tokens, adapter, al, last);
        Activations.LastRows s = a.lastRows();
        attentionInputs(a, last, adapter, al, rows, s);
        ops.attentionRows(a.qkv[last], rows, s.qkv, s.probs, s.attn, shape.heads(), shape.context(), d);
        ops.gatherRows(a.x[last], rows, s.x, d);
        lastTail(s.x, s.attn, s.tail, s.out, s.finalHat, s.finalRstd, s.hidden, rows.length);
    }

    /**
     * Forward for a head that reads only the rows {@code rows} (ascending and distinct, e.g. the LM head's scored rows):
     * the blocks before the last, and the last block's attention, on every row (every row's keys and values are read
     * by the later queries), then the last block's second half (output projection, MLP) and the final LayerNorm on
     * those rows alone, compacted: row i of {@code a.hidden} (and of the last block's {@link Activations#tail}) is
     * {@code rows[i]}. The rest of the last block would be computed and never read: a quarter of it for the tiny
     * workload's 16-token prompts. Its backward is {@link #backwardRows}.
     */
    void forwardRows(Activations a, int[][] tokens, NativeBuf adapter, AdapterLayout al, int[] rows) {
        int d = shape.dModel();
        int last = shape.layers() - 1;
        int m = rows.length;
        embedAndBlocks(a, tokens, adapter, al, last);
        attentionInputs(a, last, adapter, al);
        ops.attention(a.qkv[last], a.probs[last], a.attn[last], a.batch, shape.heads(), shape.context(), d);
        if (m == 0) {
            return;
        }
        Activations.Compact c = a.compact();
        ops.gatherRows(a.x[last], rows, c.x(), d);
        ops.gatherRows(a.attn[last], rows, c.attn(), d);
        lastTail(c.x(), c.attn(), a.tail(last), a.x[last + 1], a.finalHat, a.finalRstd, a.hidden, m);
    }

    /**
     * The last block's second half and the final LayerNorm on {@code m} compacted rows (their residual stream
     * {@code x} and attention output {@code attn}), into {@code hidden}; {@link #lastTailBackward} is its backward.
     */
    private void lastTail(NativeBuf x, NativeBuf attn, Activations.Tail tail, NativeBuf out, NativeBuf finalHat,
                          NativeBuf finalRstd, NativeBuf hidden, int m) {
        blockTail(layout.blocks[shape.layers() - 1], x, attn, tail, out, m);
        ops.layerNorm(out, base, layout.finalGain, layout.finalBias, finalHat, finalRstd, hidden, m, shape.dModel());
    }

    /** LayerNorm 1 of block {@code l} and the fused QKV projection (plus the LoRA of query and value) of every row. */
    private void attentionInputs(Activations a, int l, NativeBuf adapter, AdapterLayout al) {
        attentionInputs(a, l, adapter, al, null, null);
    }

    /**
     * LayerNorm 1 of block {@code l} and its keys and values (with the value LoRA) for every row; its queries (with
     * the query LoRA) for every row too, or, with {@code rows}, for those rows alone, into {@code selected.qkv} (row i
     * for {@code rows[i]}, with its keys and values). Then the queries of the other rows are left at the bias in
     * {@code a.qkv}: nothing reads them, as their attention is not computed and the backward's query gradient is zero
     * there. Saves the query projection of all rows but the m selected ones: 2 (n - m) d^2 FLOPs, 6% of the tiny
     * workload's reward forward.
     */
    private void attentionInputs(Activations a, int l, NativeBuf adapter, AdapterLayout al, int[] rows,
                                 Activations.LastRows selected) {
        EngineOps k = ops;
        int d = shape.dModel();
        int r = shape.loraRank();
        int n = a.rows;
        double s = shape.loraScale();
        BaseLayout.Block w = layout.blocks[l];
        NativeBuf qkv = a.qkv[l];
        int firstColumn = rows == null ? 0 : d;
        k.layerNorm(a.x[l], base, w.ln1Gain(), w.ln1Bias(), a.ln1Hat[l], a.ln1Rstd[l], a.ln1Out[l], n, d);
        broadcastBias(null, base, w.qkvBias(), qkv, n, 3 * d);
        k.gemm(false, false, n, 3 * d - firstColumn, d, 1, a.ln1Out[l], 0, d, base, w.qkvWeight() + firstColumn,
                3 * d, 1, qkv, firstColumn, 3 * d);
        if (adapter != null) {
            k.gemm(false, true, n, 2 * r, d, 1, a.ln1Out[l], 0, d, adapter, al.loraA[l], d, 0, a.loraDown[l], 0, 2 * r);
            if (rows == null) {
                k.gemm(false, true, n, d, r, s, a.loraDown[l], 0, 2 * r, adapter, al.loraBq[l], r, 1, qkv, 0, 3 * d);
            }
            k.gemm(false, true, n, d, r, s, a.loraDown[l], r, 2 * r, adapter, al.loraBv[l], r, 1, qkv, 2L * d, 3 * d);
        }
        if (rows == null) {
            return;
        }
        int m = rows.length;
        k.gatherRows(qkv, rows, selected.qkv, 3 * d);
        k.gatherRows(a.ln1Out[l], rows, selected.ln1, d);
        k.gemm(false, false, m, d, d, 1, selected.ln1, 0, d, base, w.qkvWeight(), 3 * d, 1, selected.qkv, 0, 3 * d);
        if (adapter != null) {
            k.gatherRows(a.loraDown[l], rows, selected.down, 2 * r);
            k.gemm(false, true, m, d, r, s, selected.down, 0, 2 * r, adapter, al.loraBq[l], r, 1, selected.qkv, 0,
                    3 * d);
        }
    }

    /**
     * The second half of a block on {@code n} rows: out = mid + gelu(LN2(mid) W1 + b1) W2 + b2 with
     * mid = x + attn Wo + bo, keeping what the backward pass reads in {@code tail}.
     */
    private void blockTail(BaseLayout.Block w, NativeBuf x, NativeBuf attn, Activations.Tail tail, NativeBuf out,
                           int n) {
        EngineOps k = ops;
        int d = shape.dModel();
        int f = shape.dFf();
        broadcastBias(x, base, w.outBias(), tail.mid(), n, d);
        k.gemm(false, false, n, d, d, 1, attn, 0, d, base, w.outWeight(), d, 1, tail.mid(), 0, d);
        k.layerNorm(tail.mid(), base, w.ln2Gain(), w.ln2Bias(), tail.lnHat(), tail.lnRstd(), tail.lnOut(), n, d);
        broadcastBias(null, base, w.fc1Bias(), tail.pre(), n, f);
        k.gemm(false, false, n, f, d, 1, tail.lnOut(), 0, d, base, w.fc1Weight(), f, 1, tail.pre(), 0, f);
        k.gelu(tail.pre(), tail.tanh(), tail.act(), (long) n * f);
        broadcastBias(tail.mid(), base, w.fc2Bias(), out, n, d);
        k.gemm(false, false, n, d, f, 1, tail.act(), 0, f, base, w.fc2Weight(), d, 1, out, 0, d);
    }

    /**
     * Back-propagates {@code a.dHidden} (gradient of the objective with respect to the final LayerNorm output of every
     * row, after {@link #forward} without an adapter) into {@code baseGrad} (every base weight): the base trainer's
     * pass, which scores every row. The adapters' gradients come from {@link #backwardRows} and
     * {@link #backwardLastRows}, which leave out the last block's rows no head reads.
     */
    void backwardBase(Activations a, int[][] tokens, NativeBuf baseGrad) {
        int d = shape.dModel();
        ops.fill(a.dx, 0, a.dx.length, 0);
        ops.layerNormBackward(a.dHidden, a.finalHat, a.finalRstd, base, layout.finalGain, a.dx, baseGrad,
                layout.finalGain, layout.finalBias, a.rows, d);
        blocksBackward(a, tokens, null, null, null, 0, baseGrad, shape.layers() - 1);
    }

    /**
     * The backward of {@link #forwardLastRows} for the adapter's gradient (into {@code adapterGrad}), from the first
     * {@code rows.length} rows of {@code a.dHidden} (the gradient with respect to {@code a.lastRows().hidden}): the
     * last block's MLP, output projection and final LayerNorm on the read rows alone, its attention from their queries
     * to the keys and values of every row, then the blocks before it on every row. Same gradient as a pass over every
     * row of the last block, with about 3/4 of its work left out.
     *
     * @param sampleStride 0 to sum the samples' gradients into {@code adapterGrad}; otherwise sample b's goes to its
     *                     own slot at {@code b * sampleStride} (a Jacobian, one row per sample, when the head's weights
     *                     are all 1)
     */
    void backwardLastRows(Activations a, int[][] tokens, int[] rows, NativeBuf adapter, AdapterLayout al,
                          NativeBuf adapterGrad, long sampleStride) {
        int d = shape.dModel();
        int m = rows.length;
        int last = shape.layers() - 1;
        Activations.LastRows s = a.lastRows();
        lastTailBackward(a, s.finalHat, s.finalRstd, s.tail, s.attn, s.dx, s.dAct, s.dxn, s.dAttn, m);
        ops.attentionRowsBackward(a.qkv[last], rows, s.qkv, s.probs, s.dAttn, a.dProbs, a.dqkv, shape.heads(),
                shape.context(), d);
        rowsResidualBackward(a, tokens, rows, s.dx, adapter, al, adapterGrad, sampleStride);
    }

    /**
     * The backward of {@link #forwardRows} for the adapter's gradient (into {@code adapterGrad}), from the first
     * {@code rows.length} rows of {@code a.dHidden} (the gradient with respect to the compacted {@code a.hidden}): the
     * final LayerNorm and the last block's second half on those rows, its attention and everything before it on every
     * row (the other rows' outputs have no gradient, their keys and values do). Same gradient as a pass over every
     * row of the last block.
     */
    void backwardRows(Activations a, int[][] tokens, int[] rows, NativeBuf adapter, AdapterLayout al,
                      NativeBuf adapterGrad) {
        int d = shape.dModel();
        int m = rows.length;
        int last = shape.layers() - 1;
        Activations.Compact c = a.compact();
        lastTailBackward(a, a.finalHat, a.finalRstd, a.tail(last), c.attn(), c.dx(), a.dAct, a.dxn, c.dAttn(), m);
        ops.scatterRows(c.dAttn(), rows, a.dAttn, d);
        ops.attentionBackward(a.qkv[last], a.probs[last], a.dAttn, a.dProbs, a.dqkv, a.batch, shape.heads(),
                shape.context(), d, last > 0);
        rowsResidualBackward(a, tokens, rows, c.dx(), adapter, al, adapterGrad, 0);
    }

    /**
     * The final LayerNorm and the last block's second half backward on {@code m} compacted rows: from the first m rows
     * of {@code a.dHidden} to {@code dx} (the rows' residual gradient entering the last block, without the attention
     * path) and {@code dAttn} (of their attention output).
     */
    private void lastTailBackward(Activations a, NativeBuf finalHat, NativeBuf finalRstd, Activations.Tail tail,
                                  NativeBuf attn, NativeBuf dx, NativeBuf dAct, NativeBuf dxn, NativeBuf dAttn, int m) {
        if (m == 0) {
            return;
        }
        int d = shape.dModel();
        ops.fill(dx, 0, (long) m * d, 0);
        ops.layerNormBackward(a.dHidden, finalHat, finalRstd, base, layout.finalGain, dx, null, 0, 0, m, d);
        tailBackward(layout.blocks[shape.layers() - 1], tail, attn, dx, dAct, dxn, dAttn, null, m);
    }

    /**
     * After the last block's attention backward (into {@code a.dqkv}): the compacted rows' residual gradient
     * {@code dx} goes back to their rows (every other row of the stream gets its gradient through the keys and values
     * alone), then the last block's attention inputs and the blocks before it.
     */
    private void rowsResidualBackward(Activations a, int[][] tokens, int[] rows, NativeBuf dx, NativeBuf adapter,
                                      AdapterLayout al, NativeBuf adapterGrad, long sampleStride) {
        int last = shape.layers() - 1;
        ops.scatterRows(dx, rows, a.dx, shape.dModel());
        attentionInputsBackward(a, last, adapter, al, adapterGrad, sampleStride, null);
        blocksBackward(a, tokens, adapter, al, adapterGrad, sampleStride, null, last - 1);
    }

    /** Blocks {@code from} down to 0 on every row, from {@code a.dx} = the gradient leaving block {@code from}. */
    private void blocksBackward(Activations a, int[][] tokens, NativeBuf adapter, AdapterLayout al,
                                NativeBuf adapterGrad, long sampleStride, NativeBuf baseGrad, int from) {
        int t = shape.context();
        int d = shape.dModel();
        for (int l = from; l >= 0; l--) {
            tailBackward(layout.blocks[l], a.tail(l), a.attn[l], a.dx, a.dAct, a.dxn, a.dAttn, baseGrad, a.rows);
            // Layer 0's input is the frozen embedding: unless the base trains, neither it nor the keys need a gradient.
            boolean needInput = l > 0 || baseGrad != null;
            ops.attentionBackward(a.qkv[l], a.probs[l], a.dAttn, a.dProbs, a.dqkv, a.batch, shape.heads(), t, d,
                    needInput);
            attentionInputsBackward(a, l, adapter, al, adapterGrad, sampleStride, baseGrad);
        }
        if (baseGrad != null) {
            ops.embedBackward(tokens, a.dx, baseGrad, layout.tokenEmbedding, layout.positionEmbedding, shape.vocab(), t,
                    d);
        }
    }

    /**
     * The second half of a block backward on {@code n} rows: from {@code dx} (the gradient of the block's output) to
     * {@code dAttn} (of the attention output), with {@code dx} becoming the gradient of the block's input along the
     * residual path.
     */
    private void tailBackward(BaseLayout.Block w, Activations.Tail tail, NativeBuf attn, NativeBuf dx, NativeBuf dAct,
                              NativeBuf dxn, NativeBuf dAttn, NativeBuf baseGrad, int n) {
        EngineOps k = ops;
        int d = shape.dModel();
        int f = shape.dFf();
        // MLP: out = mid + gelu(LN2(mid) W1 + b1) W2 + b2
        if (baseGrad != null) {
            k.gemm(true, false, f, d, n, 1, tail.act(), 0, f, dx, 0, d, 1, baseGrad, w.fc2Weight(), d);
            k.addColumnSums(dx, n, d, baseGrad, w.fc2Bias());
        }
        k.gemm(false, true, n, f, d, 1, dx, 0, d, base, w.fc2Weight(), d, 0, dAct, 0, f);
        k.geluBackward(dAct, tail.pre(), tail.tanh(), (long) n * f);
        if (baseGrad != null) {
            k.gemm(true, false, d, f, n, 1, tail.lnOut(), 0, d, dAct, 0, f, 1, baseGrad, w.fc1Weight(), f);
            k.addColumnSums(dAct, n, f, baseGrad, w.fc1Bias());
        }
        k.gemm(false, true, n, d, f, 1, dAct, 0, f, base, w.fc1Weight(), f, 0, dxn, 0, d);
        k.layerNormBackward(dxn, tail.lnHat(), tail.lnRstd(), base, w.ln2Gain(), dx, baseGrad, w.ln2Gain(),
                w.ln2Bias(), n, d);
        // attention: mid = x + attn Wo + bo
        if (baseGrad != null) {
            k.gemm(true, false, d, d, n, 1, attn, 0, d, dx, 0, d, 1, baseGrad, w.outWeight(), d);
            k.addColumnSums(dx, n, d, baseGrad, w.outBias());
        }
        k.gemm(false, true, n, d, d, 1, dx, 0, d, base, w.outWeight(), d, 0, dAttn, 0, d);
    }

    /**
     * From {@code a.dqkv} of block {@code l} on every row: the LoRA gradients (into {@code adapterGrad}), the base QKV
     * gradients (into {@code baseGrad}) and, above layer 0 or when the base trains, LayerNorm 1's backward into
     * {@code a.dx}.
     */
    private void attentionInputsBackward(Activations a, int l, NativeBuf adapter, AdapterLayout al,
                                         NativeBuf adapterGrad, long sampleStride, NativeBuf baseGrad) {
        EngineOps k = ops;
        int d = shape.dModel();
        int r = shape.loraRank();
        int n = a.rows;
        BaseLayout.Block w = layout.blocks[l];
        NativeBuf dqkv = a.dqkv;
        if (adapter != null) {
            double s = shape.loraScale();
            k.gemm(false, false, n, r, d, s, dqkv, 0, 3 * d, adapter, al.loraBq[l], r, 0, a.dDown, 0, 2 * r);
            k.gemm(false, false, n, r, d, s, dqkv, 2L * d, 3 * d, adapter, al.loraBv[l], r, 0, a.dDown, r, 2 * r);
            // Summed over every row, or per sample (its T rows) into the sample's slot.
            int slots = adapterGrad == null ? 0 : sampleStride == 0 ? 1 : a.batch;
            int rows = sampleStride == 0 ? n : shape.context();
            for (int b = 0; b < slots; b++) {
                long row = (long) b * rows;
                long slot = b * sampleStride;
                k.gemm(true, false, d, r, rows, s, dqkv, row * 3 * d, 3 * d, a.loraDown[l], row * 2 * r, 2 * r, 1,
                        adapterGrad, slot + al.loraBq[l], r);
                k.gemm(true, false, d, r, rows, s, dqkv, row * 3 * d + 2L * d, 3 * d, a.loraDown[l], row * 2 * r + r,
                        2 * r, 1, adapterGrad, slot + al.loraBv[l], r);
                k.gemm(true, false, 2 * r, d, rows, 1, a.dDown, row * 2 * r, 2 * r, a.ln1Out[l], row * d, d, 1,
                        adapterGrad, slot + al.loraA[l], d);
            }
        }
        if (l > 0 || baseGrad != null) {
            if (baseGrad != null) {
                k.gemm(true, false, d, 3 * d, n, 1, a.ln1Out[l], 0, d, dqkv, 0, 3 * d, 1, baseGrad, w.qkvWeight(), 3 * d);
                k.addColumnSums(dqkv, n, 3 * d, baseGrad, w.qkvBias());
            }
            k.gemm(false, true, n, d, 3 * d, 1, dqkv, 0, 3 * d, base, w.qkvWeight(), 3 * d, 0, a.dxn, 0, d);
            if (adapter != null) {
                k.gemm(false, false, n, d, 2 * r, 1, a.dDown, 0, 2 * r, adapter, al.loraA[l], d, 1, a.dxn, 0, d);
            }
            k.layerNormBackward(a.dxn, a.ln1Hat[l], a.ln1Rstd[l], base, w.ln1Gain(), a.dx, baseGrad, w.ln1Gain(),
                    w.ln1Bias(), n, d);
        }
    }

    /**
     * LM head on the selected rows of {@code a.hidden}: log softmax(logits)[target] of each selected row goes to
     * {@code a.rowValues} (read with {@link #rowValues}). When {@code grad} is not null, adds the head gradient of
     * sum_i rowWeight[i] * value[i] to {@code grad} at ({@code gradWeightOff}, {@code gradBiasOff}) and sets
     * {@code a.dHidden} to its gradient for {@link #backwardBase} or {@link #backwardRows}.
     */
    void lmHead(Activations a, TargetRows rows, NativeBuf params, long weightOff, long biasOff, double[] rowWeight,
                NativeBuf grad, long gradWeightOff, long gradBiasOff) {
        int d = shape.dModel();
        int v = shape.vocab();
        int m = rows.count();
        if (m == 0) {
            if (grad != null) {
                ops.fill(a.dHidden, 0, a.dHidden.length, 0);
            }
            return;
        }
        logits(a, rows, params, weightOff, biasOff);
        ops.logSoftmaxRows(a.logits, m, v, rows.target(), grad == null ? null : rowWeight, a.rowValues);
        if (grad != null) {
            ops.gemm(true, false, d, v, m, 1, a.selected, 0, d, a.logits, 0, v, 1, grad, gradWeightOff, v);
            ops.addColumnSums(a.logits, m, v, grad, gradBiasOff);
            ops.gemm(false, true, m, d, v, 1, a.logits, 0, v, params, weightOff, v, 0, a.dSelected, 0, d);
            ops.scatterRows(a.dSelected, rows.row(), a.dHidden, d);
        }
    }

    /**
     * Value head on rows {@code rows} of {@code hidden} (one per sample): hidden . w + bias per row into
     * {@code a.headValues}. When {@code grad} is not null, adds the head gradient of sum_i weights[i] * value[i] to
     * {@code grad} at ({@code gradWeightOff}, {@code gradBiasOff}) and sets {@code a.dHidden} to its gradient with
     * respect to {@code hidden} (row {@code rows[i]} of it): for {@link #backwardLastRows} with
     * {@code hidden = a.lastRows().hidden} after {@link #forwardLastRows}. With a {@code sampleStride} above 0, sample
     * i's part of the head gradient goes to its own slot at {@code i * sampleStride} instead of the sum.
     */
    void valueHead(Activations a, NativeBuf hidden, int[] rows, NativeBuf params, long weightOff, long biasOff,
                   double[] weights, NativeBuf grad, long gradWeightOff, long gradBiasOff, long sampleStride) {
        int d = shape.dModel();
        int m = rows.length;
        ops.gatherRows(hidden, rows, a.selected, d);
        broadcastBias(null, params, biasOff, a.headValues, m, 1);
        ops.gemm(false, false, m, 1, d, 1, a.selected, 0, d, params, weightOff, 1, 1, a.headValues, 0, 1);
        if (grad != null) {
            ops.upload(weights, a.rowWeights);
            if (sampleStride == 0) {
                ops.gemm(true, false, d, 1, m, 1, a.selected, 0, d, a.rowWeights, 0, 1, 1, grad, gradWeightOff, 1);
                ops.addColumnSums(a.rowWeights, m, 1, grad, gradBiasOff);
            } else {
                for (int i = 0; i < m; i++) {
                    ops.gemm(true, false, d, 1, 1, 1, a.selected, (long) i * d, d, a.rowWeights, i, 1, 1, grad,
                            i * sampleStride + gradWeightOff, 1);
                }
                // The bias slots form a column of stride sampleStride: [m, 1] += weights [m, 1] times 1.
                ops.fill(a.one, 0, 1, 1.0);
                ops.gemm(false, false, m, 1, 1, 1, a.rowWeights, 0, 1, a.one, 0, 1, 1, grad, gradBiasOff,
                        Math.toIntExact(sampleStride));
            }
            ops.gemm(false, false, m, d, 1, 1, a.rowWeights, 0, 1, params, weightOff, d, 0, a.dSelected, 0, d);
            ops.scatterRows(a.dSelected, rows, a.dHidden, d);
        }
    }

    /** Logits of the selected rows, [count, vocab] in {@code a.logits}. */
    void logits(Activations a, TargetRows rows, NativeBuf params, long weightOff, long biasOff) {
        int d = shape.dModel();
        int v = shape.vocab();
        int m = rows.count();
        ops.gatherRows(a.hidden, rows.row(), a.selected, d);
        ops.addBiasRows(null, params, biasOff, a.logits, m, v);
        ops.gemm(false, false, m, v, d, 1, a.selected, 0, d, params, weightOff, v, 1, a.logits, 0, v);
    }

    /** The first {@code count} per-row log-probabilities of the last {@link #lmHead}, read once per model call. */
    double[] rowValues(Activations a, int count) {
        return ops.download(a.rowValues, count);
    }

    /** The first {@code count} values of the last {@link #valueHead}, read once per model call. */
    double[] headValues(Activations a, int count) {
        return ops.download(a.headValues, count);
    }
}
