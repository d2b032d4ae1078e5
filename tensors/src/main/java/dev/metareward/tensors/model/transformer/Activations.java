package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every buffer one forward and backward pass of a batch of {@code batch} sequences needs, allocated once and reused
 * on every call with that batch size, so that repeated steps allocate no off-heap memory.
 */
final class Activations {

    final int batch;
    final int rows;
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

    Activations(ModelShape s, DataType type, int batch, EngineOps ops) {
        this.batch = batch;
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
    }
}
