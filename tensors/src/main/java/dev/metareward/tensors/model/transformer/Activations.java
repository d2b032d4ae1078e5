package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every buffer one forward and backward pass of a batch of {@code batch} sequences needs, allocated once and reused
 * on every call with that batch size, so that repeated steps allocate no off-heap memory.
 */
final class Activations {

    final int batch;
    final int rows;
    private final ModelShape shape;
    private final DataType type;
    private LastRows lastRows;
    private Compact compact;
    final NativeBuf[] x;        // residual stream entering block l (and x[L] leaving the last block), [N, d]
    final NativeBuf[] ln1Hat;
    final NativeBuf[] ln1Rstd;
    final NativeBuf[] ln1Out;
    final NativeBuf[] qkv;      // [N, 3d]: queries, keys, values side by side (fused projection)
    final NativeBuf[] loraDown; // [N, 2r]: x A_q^T and x A_v^T side by side
    final NativeBuf[] probs;    // [B, H, T, T] causal attention probabilities
    final NativeBuf[] attn;     // [N, d] attention output before the output projection
    final NativeBuf[] mid;      // [N, d] residual stream after attention
    final NativeBuf[] ln2Hat;
    final NativeBuf[] ln2Rstd;
    final NativeBuf[] ln2Out;
    final NativeBuf[] preAct;   // [N, dFf]
    final NativeBuf[] tanh;     // [N, dFf] tanh inside GELU, kept for the backward pass
    final NativeBuf[] act;      // [N, dFf]
    final NativeBuf finalHat;
    final NativeBuf finalRstd;
    final NativeBuf hidden;     // [N, d] final LayerNorm output

    // backward scratch
    final NativeBuf dx;
    final NativeBuf dxn;
    final NativeBuf dqkv;
    final NativeBuf dDown;
    final NativeBuf dAttn;
    final NativeBuf dAct;
    final NativeBuf dProbs;     // attention backward scratch, EngineOps.attentionScratch elements
    final NativeBuf dHidden;

    // head scratch (rows selected for a head, at most N)
    final NativeBuf selected;   // [N, d]
    final NativeBuf logits;     // [N, vocab]
    final NativeBuf dSelected;  // [N, d]
    // Per-row log-probabilities of the LM head, float64 in every precision: the CPU engine computes them in double
    // and the sums F_i should not lose that to a float32 buffer.
    final NativeBuf rowValues;  // [N]
    final NativeBuf headValues; // [N] value-head outputs
    final NativeBuf rowWeights; // [N] per-row weights uploaded for a head's gradient
    final NativeBuf one;        // [1] the constant 1 (filled before each use): a GEMM operand

    Activations(ModelShape s, DataType type, int batch, EngineOps ops) {
        this.batch = batch;
        this.shape = s;
        this.type = type;
        int t = s.context();
        int d = s.dModel();
        int f = s.dFf();
        int r = s.loraRank();
        int layers = s.layers();
        rows = batch * t;
        long n = rows;
        x = new NativeBuf[layers + 1];
        ln1Hat = new NativeBuf[layers];
        ln1Rstd = new NativeBuf[layers];
        ln1Out = new NativeBuf[layers];
        qkv = new NativeBuf[layers];
        loraDown = new NativeBuf[layers];
        probs = new NativeBuf[layers];
        attn = new NativeBuf[layers];
        mid = new NativeBuf[layers];
        ln2Hat = new NativeBuf[layers];
        ln2Rstd = new NativeBuf[layers];
        ln2Out = new NativeBuf[layers];
        preAct = new NativeBuf[layers];
        tanh = new NativeBuf[layers];
        act = new NativeBuf[layers];
        for (int l = 0; l <= layers; l++) {
            x[l] = NativeBuf.zeros(type, n * d);
        }
        for (int l = 0; l < layers; l++) {
            ln1Hat[l] = NativeBuf.zeros(type, n * d);
            ln1Rstd[l] = NativeBuf.zeros(type, n);
            ln1Out[l] = NativeBuf.zeros(type, n * d);
            qkv[l] = NativeBuf.zeros(type, n * 3 * d);
            loraDown[l] = NativeBuf.zeros(type, n * 2 * r);
            probs[l] = NativeBuf.zeros(type, (long) batch * s.heads() * t * t);
            attn[l] = NativeBuf.zeros(type, n * d);
            mid[l] = NativeBuf.zeros(type, n * d);
            ln2Hat[l] = NativeBuf.zeros(type, n * d);
            ln2Rstd[l] = NativeBuf.zeros(type, n);
            ln2Out[l] = NativeBuf.zeros(type, n * d);
            preAct[l] = NativeBuf.zeros(type, n * f);
            tanh[l] = NativeBuf.zeros(type, n * f);
            act[l] = NativeBuf.zeros(type, n * f);
        }
        finalHat = NativeBuf.zeros(type, n * d);
        finalRstd = NativeBuf.zeros(type, n);
        hidden = NativeBuf.zeros(type, n * d);
        dx = NativeBuf.zeros(type, n * d);
        dxn = NativeBuf.zeros(type, n * d);
        dqkv = NativeBuf.zeros(type, n * 3 * d);
        dDown = NativeBuf.zeros(type, n * 2 * r);
        dAttn = NativeBuf.zeros(type, n * d);
        dAct = NativeBuf.zeros(type, n * f);
        dProbs = NativeBuf.zeros(type, ops.attentionScratch(batch, s.heads(), t));
        dHidden = NativeBuf.zeros(type, n * d);
        selected = NativeBuf.zeros(type, n * d);
        logits = NativeBuf.zeros(type, n * s.vocab());
        dSelected = NativeBuf.zeros(type, n * d);
        rowValues = NativeBuf.zeros(DataType.DOUBLE, n);
        headValues = NativeBuf.zeros(type, n);
        rowWeights = NativeBuf.zeros(type, n);
        one = NativeBuf.zeros(type, 1);
    }

    /** The buffers of the second half of block {@code l} (after attention) in the full pass. */
    Tail tail(int l) {
        return new Tail(mid[l], ln2Hat[l], ln2Rstd[l], ln2Out[l], preAct[l], tanh[l], act[l]);
    }

    /** Buffers of a last block computed for one row per sample only (created on first use). */
    LastRows lastRows() {
        if (lastRows == null) {
            lastRows = new LastRows(shape, type, batch);
        }
        return lastRows;
    }

    /** Buffers of a last block computed for selected rows only, compacted (created on first use). */
    Compact compact() {
        if (compact == null) {
            long n = (long) rows * shape.dModel();
            compact = new Compact(NativeBuf.zeros(type, n), NativeBuf.zeros(type, n), NativeBuf.zeros(type, n),
                    NativeBuf.zeros(type, n));
        }
        return compact;
    }

    /**
     * The inputs of the last block's second half on selected rows ({@link TransformerEngine#forwardRows}), row i for
     * the i-th selected row, and the gradients of its backward: the residual stream entering the block, the attention
     * output, and their gradients. At most {@code rows} rows each; the block's own outputs go to the first rows of
     * {@link #tail} and {@link #x}.
     */
    record Compact(NativeBuf x, NativeBuf attn, NativeBuf dx, NativeBuf dAttn) {
    }

    /**
     * What the second half of a block (output projection, residual, LayerNorm 2, MLP) writes: its residual stream
     * after attention, the LayerNorm's normalised input, 1/std and output, and the MLP's pre-activation, tanh and
     * activation.
     */
    record Tail(NativeBuf mid, NativeBuf lnHat, NativeBuf lnRstd, NativeBuf lnOut, NativeBuf pre, NativeBuf tanh,
                NativeBuf act) {
    }

    /**
     * The last block and the final LayerNorm for one row per sample ({@code batch} rows, row i in sample i): all a
     * head that reads only those rows needs, forward and backward. The keys and values of every row still come from
     * the full block's {@code qkv}.
     */
    static final class LastRows {
        final NativeBuf qkv;     // [B, 3d] the selected rows of the last block's qkv
        final NativeBuf ln1;     // [B, d] their LayerNorm 1 output
        final NativeBuf down;    // [B, 2r] their LoRA down-projection
        final NativeBuf probs;   // [B, H, T] attention of each selected query
        final NativeBuf attn;    // [B, d]
        final NativeBuf x;       // [B, d] residual stream entering the last block
        final NativeBuf out;     // [B, d] residual stream leaving it
        final NativeBuf finalHat;
        final NativeBuf finalRstd;
        final NativeBuf hidden;  // [B, d] final LayerNorm output of the selected rows
        final Tail tail;
        final NativeBuf dx;      // [B, d] backward: gradient of the residual stream of the selected rows
        final NativeBuf dxn;     // [B, d]
        final NativeBuf dAttn;   // [B, d]
        final NativeBuf dAct;    // [B, d_ff]

        private LastRows(ModelShape s, DataType type, int batch) {
            long d = s.dModel();
            long f = s.dFf();
            qkv = NativeBuf.zeros(type, batch * 3 * d);
            ln1 = NativeBuf.zeros(type, batch * d);
            down = NativeBuf.zeros(type, (long) batch * 2 * s.loraRank());
            probs = NativeBuf.zeros(type, (long) batch * s.heads() * s.context());
            attn = NativeBuf.zeros(type, batch * d);
            x = NativeBuf.zeros(type, batch * d);
            out = NativeBuf.zeros(type, batch * d);
            finalHat = NativeBuf.zeros(type, batch * d);
            finalRstd = NativeBuf.zeros(type, batch);
            hidden = NativeBuf.zeros(type, batch * d);
            tail = new Tail(NativeBuf.zeros(type, batch * d), NativeBuf.zeros(type, batch * d),
                    NativeBuf.zeros(type, batch), NativeBuf.zeros(type, batch * d), NativeBuf.zeros(type, batch * f),
                    NativeBuf.zeros(type, batch * f), NativeBuf.zeros(type, batch * f));
            dx = NativeBuf.zeros(type, batch * d);
            dxn = NativeBuf.zeros(type, batch * d);
            dAttn = NativeBuf.zeros(type, batch * d);
            dAct = NativeBuf.zeros(type, batch * f);
        }
    }
}
