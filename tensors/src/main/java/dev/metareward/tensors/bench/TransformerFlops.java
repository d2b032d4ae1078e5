package dev.metareward.tensors.bench;

import dev.metareward.tensors.model.transformer.ModelShape;

/**
 * Floating-point operations of the matrix products the hand-written transformer performs (TransformerEngine), counted
 * analytically: a GEMM of [m x k] by [k x n] is 2 m k n. Element-wise work (LayerNorm, GELU, softmax, embedding and
 * bias additions, the value head's dot products) is not counted; it is a few percent of the total on the bench
 * shapes, so the achieved GFLOP/s are slightly conservative.
 *
 * <p>With n = B * T rows, d = d_model, f = d_ff, r = LoRA rank, V = vocabulary and m = scored positions, per layer:
 *
 * <pre>
 * attention inputs      2 n d 3d + 8 n r d           fused QKV; LoRA: [n,d]x[d,2r] down, two [n,r]x[r,d] up; in the
 *                                                    last block of a head that reads k rows one per sample (the
 *                                                    reward): 2 n d 2d + 2 k d^2 + 6 n r d + 2 k r d, as its queries
 *                                                    are projected for those rows only
 * attention             4 B T^2 d                    Q K^T and P V per head (the full T x T block: the GEMM also
 *                                                    computes the masked half); per read row instead: 4 T d
 * second half           2 k d (d + 2f)               output projection and MLP on k rows: k = n, except in the
 *                                                    last block, where only the rows a head reads are computed
 *                                                    (the policy's m scored rows, the reward's B read rows)
 * LM head forward       2 m d V
 * backward (LoRA-only gradients: the base weights get none), per layer
 *                       4 k d f + 2 k d^2            MLP and output projection input gradients on the same k rows
 *                     + 8 B T^2 d                    dP, dV, dQ, dK (layer 0: 6 B T^2 d, its keys need no gradient);
 *                                                    per read row: 8 T d
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
 *                + the reward backward of every inner batch, for its Jacobian (decision 75: the bench workloads'
 *                  Jacobians fit the inner loop's budget; without them a reward forward over the D * B rows
 *                  would come on top)
 * </pre>
 */
public final class TransformerFlops {

    private final ModelShape shape;

    public TransformerFlops(ModelShape shape) {
        this.shape = shape;
    }

    /** Which rows the last block's second half and attention run on: a policy's scored rows or a reward's read rows. */
    private record LastBlock(long tailRows, boolean perRowAttention) {
    }

    /** The policy's forward over {@code sequences} rows of T tokens with {@code scored} scored positions in all. */
    public double policyForward(int sequences, long scored) {
        return forward(sequences, new LastBlock(scored, false));
    }

    /** The reward model's forward over {@code sequences} rows of T tokens: one read row each. */
    public double rewardForward(int sequences) {
        return forward(sequences, new LastBlock(sequences, true));
    }

    /** The reward model's backward of {@link #rewardForward}. */
    public double rewardBackward(int sequences) {
        return backward(sequences, new LastBlock(sequences, true));
    }

    private double forward(int sequences, LastBlock last) {
        double n = (double) sequences * shape.context();
        double d = shape.dModel();
        double r = shape.loraRank();
        double inputs = 2 * n * d * 3 * d + 8 * n * r * d;
        double full = inputs + attention(sequences, 2) + secondHalf(n);
        double m = last.tailRows();
        // Per read row, the last block's queries are projected for those rows alone (keys and values for all).
        double lastInputs = last.perRowAttention() ? 2 * n * d * 2 * d + 2 * m * d * d + 6 * n * r * d + 2 * m * r * d
                : inputs;
        double lastAttention = last.perRowAttention() ? 4.0 * m * shape.context() * d : attention(sequences, 2);
        return (shape.layers() - 1) * full + lastInputs + lastAttention + secondHalf(m);
    }

    private double backward(int sequences, LastBlock last) {
        double n = (double) sequences * shape.context();
        double d = shape.dModel();
        double r = shape.loraRank();
        double total = 0;
        for (int l = 0; l < shape.layers(); l++) {
            boolean isLast = l == shape.layers() - 1;
            boolean needInput = l > 0;
            double k = isLast ? last.tailRows() : n;
            double attention = isLast && last.perRowAttention() ? 8.0 * last.tailRows() * shape.context() * d
                    : attention(sequences, needInput ? 4 : 3);
            total += 4 * k * d * shape.dFf() + 2 * k * d * d + attention + 12 * n * r * d;
            if (needInput) {
                total += 6 * n * d * d + 4 * n * r * d;
            }
        }
        return total;
    }

    /** Output projection and MLP forward on {@code rows} rows. */
    private double secondHalf(double rows) {
        double d = shape.dModel();
        return 2 * rows * d * (d + 2 * shape.dFf());
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
        LastBlock last = new LastBlock(m, false);
        return forward(sequences, last) + lmHeadForward(m) + backward(sequences, last) + lmHeadBackward(m);
    }

    /** One inner step: reward forward for R_i, then the policy's forward and backward. */
    public double innerStep(BenchWorkload w) {
        return rewardForward(w.innerBatch()) + policyForwardBackward(w.innerBatch(), w.scoredPerSequence());
    }

    /** One meta step in exact mode: inner loop with reward Jacobians, outer loss and its gradient, reverse pass. */
    public double metaStep(BenchWorkload w) {
        int pairRows = 2 * w.outerBatch();
        long pairScored = (long) pairRows * w.scoredPerSequence();
        double outer = policyForward(pairRows, pairScored) + lmHeadForward(pairScored)
                + policyForwardBackward(pairRows, w.scoredPerSequence());
        double reverse = 2 * policyForwardBackward(w.innerBatch(), w.scoredPerSequence());
        int rewardRows = w.innerSteps() * w.innerBatch();
        return w.innerSteps() * (innerStep(w) + reverse) + outer + rewardBackward(rewardRows);
    }

    /** {@code products} attention GEMMs of 2 T^2 (d/h) FLOPs for every sequence and head: 2 T^2 d per sequence each. */
    private double attention(int sequences, int products) {
        double t = shape.context();
        return products * 2.0 * sequences * t * t * shape.dModel();
    }
}
