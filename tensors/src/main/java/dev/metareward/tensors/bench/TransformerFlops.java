package dev.metareward.tensors.bench;

import dev.metareward.tensors.model.transformer.ModelShape;

/**
 * Floating-point operations of the matrix products the hand-written transformer performs (TransformerEngine), counted
 * analytically: a GEMM of [m x k] by [k x n] is 2 m k n. Element-wise work (LayerNorm, GELU, softmax, embedding and
 * bias additions, the value head's dot products) is not counted; it is a few percent of the total on the bench
 * shapes, so the achieved GFLOP/s are slightly conservative.
 *
 * <p>With n = B * T rows, d = d_model, f = d_ff, r = LoRA rank, h = heads, V = vocabulary and m = scored positions:
 *
 * <pre>
 * forward, per layer    2 n d (3d + d + 2f)          fused QKV, output projection, MLP
 *                     + 8 n r d                      LoRA: [n,d]x[d,2r] down, two [n,r]x[r,d] up
 *                     + 4 B T^2 d                    Q K^T and P V per head (the full T x T block: the GEMM also
 *                                                    computes the masked half)
 * LM head forward       2 m d V
 * backward (LoRA-only gradients: the base weights get none), per layer l
 *                       4 n d f + 2 n d^2            MLP and output projection input gradients
 *                     + 8 B T^2 d                    dP, dV, dQ, dK (layer 0: 6 B T^2 d, its keys need no gradient)
 *                     + 12 n r d                     dDown, grad B_q, grad B_v, grad A
 *                     + 6 n d^2 + 4 n r d            gradient into the layer input (skipped for layer 0, whose
 *                                                    input is the frozen embedding)
 * LM head backward      4 m d V                      weight gradient and hidden-state gradient
 *
 * inner step     = reward forward (B rows) + policy forward + LM head forward + policy backward + LM head backward
 * meta step      = D inner steps
 *                + outer loss: policy forward of the 2B' chosen/rejected rows, then forward + backward again
 *                + reverse pass: 2 policy forward + backward per inner step (exact mode: every step has its
 *                  Hessian term)
 *                + one reward forward + backward over the D * B inner rows
 * </pre>
 */
public final class TransformerFlops {

    private final ModelShape shape;

    public TransformerFlops(ModelShape shape) {
        this.shape = shape;
    }

    /** Base forward with a LoRA adapter over {@code sequences} rows of T tokens, up to the final LayerNorm. */
    public double forward(int sequences) {
        double n = (double) sequences * shape.context();
        double d = shape.dModel();
        double perLayer = 2 * n * d * (4 * d + 2 * shape.dFf()) + 8 * n * shape.loraRank() * d + attention(sequences, 2);
        return shape.layers() * perLayer;
    }

    /** Backward of a LoRA-only gradient from the final LayerNorm output down to the adapters of every layer. */
    public double backward(int sequences) {
        double n = (double) sequences * shape.context();
        double d = shape.dModel();
        double r = shape.loraRank();
        double total = 0;
        for (int l = 0; l < shape.layers(); l++) {
            boolean needInput = l > 0;
            total += 4 * n * d * shape.dFf() + 2 * n * d * d + attention(sequences, needInput ? 4 : 3) + 12 * n * r * d;
            if (needInput) {
                total += 6 * n * d * d + 4 * n * r * d;
            }
        }
        return total;
    }

    /** LM head forward over {@code scored} selected positions. */
    public double lmHeadForward(long scored) {
        return 2.0 * scored * shape.dModel() * shape.vocab();
    }

    /** LM head backward (weight and hidden-state gradients) over {@code scored} positions. */
    public double lmHeadBackward(long scored) {
        return 2 * lmHeadForward(scored);
    }

    /** Policy forward + backward with the LM head over {@code sequences} rows with {@code scoredPerRow} scored each. */
    public double policyForwardBackward(int sequences, int scoredPerRow) {
        long m = (long) sequences * scoredPerRow;
        return forward(sequences) + lmHeadForward(m) + backward(sequences) + lmHeadBackward(m);
    }

    /** One inner step: reward forward for R_i, then the policy's forward and backward. */
    public double innerStep(BenchWorkload w) {
        return forward(w.innerBatch()) + policyForwardBackward(w.innerBatch(), w.scoredPerSequence());
    }

    /** One meta step in exact mode: inner loop, outer loss and its gradient, reverse pass, reward backward. */
    public double metaStep(BenchWorkload w) {
        int pairRows = 2 * w.outerBatch();
        double outer = forward(pairRows) + lmHeadForward((long) pairRows * w.scoredPerSequence())
                + policyForwardBackward(pairRows, w.scoredPerSequence());
        double reverse = 2 * policyForwardBackward(w.innerBatch(), w.scoredPerSequence());
        int rewardRows = w.innerSteps() * w.innerBatch();
        return w.innerSteps() * (innerStep(w) + reverse) + outer + forward(rewardRows) + backward(rewardRows);
    }

    /** {@code products} attention GEMMs of 2 T^2 (d/h) FLOPs for every sequence and head: 2 T^2 d per sequence each. */
    private double attention(int sequences, int products) {
        double t = shape.context();
        return products * 2.0 * sequences * t * t * shape.dModel();
    }
}
