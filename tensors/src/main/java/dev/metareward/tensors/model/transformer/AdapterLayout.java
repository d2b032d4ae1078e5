package dev.metareward.tensors.model.transformer;

/**
 * Offsets inside a flat adapter vector (theta or phi): per layer the LoRA factors A = [A_q; A_v] ([2r, d], so
 * that one GEMM gives both down-projections) and B_q, B_v ([d, r] each), then the head.
 *
 * <p>The policy's head is an LM head ([d, vocab] weight + [vocab] bias); the reward's head is a value head
 * ([d] weight + scalar bias).
 */
final class AdapterLayout {

    final long[] loraA;
    final long[] loraBq;
    final long[] loraBv;
    final long headWeight;
    final long headBias;
    final int headOutputs;
    final long size;

    private AdapterLayout(ModelShape s, int headOutputs) {
        long d = s.dModel();
        long r = s.loraRank();
        loraA = new long[s.layers()];
        loraBq = new long[s.layers()];
        loraBv = new long[s.layers()];
        long at = 0;
        for (int l = 0; l < s.layers(); l++) {
            loraA[l] = at;
            loraBq[l] = at + 2 * r * d;
            loraBv[l] = loraBq[l] + d * r;
            at = loraBv[l] + d * r;
        }
        this.headOutputs = headOutputs;
        headWeight = at;
        headBias = at + d * headOutputs;
        size = headBias + headOutputs;
    }

    static AdapterLayout policy(ModelShape s) {
        return new AdapterLayout(s, s.vocab());
    }

    static AdapterLayout reward(ModelShape s) {
        return new AdapterLayout(s, 1);
    }

    /** Length of the LoRA part (everything before the head). */
    long loraSize() {
        return headWeight;
    }
}
