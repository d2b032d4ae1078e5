package dev.metareward.tensors.model.transformer;

/**
 * Offsets of every base weight inside the one flat base vector. Matrices are row-major [in, out] so that a
 * layer computes {@code y = x @ W + b} on row-major activations [rows, in].
 */
final class BaseLayout {

    final long tokenEmbedding;   // [vocab, d]
    final long positionEmbedding; // [context, d]
    final Block[] blocks;
    final long finalGain;
    final long finalBias;
    final long headWeight;        // [d, vocab]
    final long headBias;          // [vocab]
    final long size;

    /** Offsets of one transformer block. */
    record Block(long ln1Gain, long ln1Bias, long qkvWeight, long qkvBias, long outWeight, long outBias,
                 long ln2Gain, long ln2Bias, long fc1Weight, long fc1Bias, long fc2Weight, long fc2Bias) {
    }

    BaseLayout(ModelShape s) {
        long d = s.dModel();
        long f = s.dFf();
        long at = 0;
        tokenEmbedding = at;
        at += (long) s.vocab() * d;
        positionEmbedding = at;
        at += (long) s.context() * d;
        blocks = new Block[s.layers()];
        for (int l = 0; l < s.layers(); l++) {
            long ln1g = at;
            long ln1b = ln1g + d;
            long qkvW = ln1b + d;
            long qkvB = qkvW + d * 3 * d;
            long outW = qkvB + 3 * d;
            long outB = outW + d * d;
            long ln2g = outB + d;
            long ln2b = ln2g + d;
            long fc1W = ln2b + d;
            long fc1B = fc1W + d * f;
            long fc2W = fc1B + f;
            long fc2B = fc2W + f * d;
            at = fc2B + d;
            blocks[l] = new Block(ln1g, ln1b, qkvW, qkvB, outW, outB, ln2g, ln2b, fc1W, fc1B, fc2W, fc2B);
        }
        finalGain = at;
        finalBias = at + d;
        headWeight = at + 2 * d;
        headBias = headWeight + d * s.vocab();
        size = headBias + s.vocab();
    }
}
