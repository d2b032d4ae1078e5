package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/**
 * The device engine: every primitive is an ND4J operation on {@code INDArray} views of the engine's buffers (a view
 * shares the buffer's memory, given by an element offset, a shape and strides), so with {@code nd4j-cuda-11.6} every
 * step runs on the GPU of the calling thread and nothing crosses to the host inside a step. Host data (token ids,
 * target rows, weights) is uploaded as small arrays; results leave only through {@link #download}.
 *
 * <p>Which ND4J operations are used, and which were avoided because they are broken in 1.0.0-M2.1 (docs/ND4J-OPS.md,
 * checked by {@code Nd4jOpsTest}):
 * <ul>
 *   <li>GEMM: the {@code matmul} custom op ({@link Mmul}) with alpha, beta and transposes; it honours views with a
 *   leading dimension and writes into strided output views. {@code Nd4j.gemm} refuses an output that is a view, which
 *   every GEMM here writes into.</li>
 *   <li>Attention: rank-4 batched {@code matmul} on strided [batch, heads, t, headDim] views of the fused QKV buffer
 *   (no permute copies), an additive -inf causal mask and the {@link SoftMax} custom op over the last dimension.</li>
 *   <li>LayerNorm: mean and variance reductions and broadcasts, not the {@code layer_norm} custom op, which has no
 *   epsilon (it equals ours with eps 0), and because the backward pass needs the normalised input and 1/std
 *   anyway.</li>
 *   <li>GELU: {@code tanh} and arithmetic, not {@code PreciseGELU} (its values match neither the tanh form nor the
 *   erf form: 0.8314 at x = 1 against 0.8412) nor {@code GELU} (the sigmoid approximation).</li>
 *   <li>Log-softmax: the eager {@link LogSoftMax} custom op (correct eagerly; FACTS.md saw SameDiff's logSoftmax fail), with the
 *   target picked by a one-hot mask.</li>
 *   <li>Rows: {@code pullRows} to gather, {@code scatter_add} to scatter distinct rows, and a one-hot GEMM for the
 *   token-embedding gradient (repeated tokens must add up; a GEMM does so by construction).</li>
 * </ul>
 * Temporaries live in a workspace that each primitive resets on return; the backward passes are our own formulas,
 * the same as {@link ScalarKernels}'.
 */
final class Nd4jOps implements EngineOps {

    /**
     * The workspace that the temporaries of one primitive live in: reset when the primitive returns, so repeated
     * steps reuse one block of memory instead of allocating (and, on CUDA, synchronising frees) per op. Every
     * result is written into the engine's own buffers, which live outside any workspace. The primitives need
     * different amounts: a cycle that outgrows the block spills and the block is reallocated larger (REALLOCATE), so
     * it settles at the largest primitive's need.
     */
    private static final WorkspaceConfiguration TEMPORARIES = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE).build();
    private static final String TEMPORARIES_ID = "metareward-nd4j-engine";

    private final DataType type;
    private final Map<Integer, INDArray> causalMasks = new HashMap<>();

    Nd4jOps(DataType type) {
        this.type = type;
    }

    /** A [rows, cols] row-major view of {@code b} starting at element {@code off} with row stride {@code ld}. */
    static INDArray mat(NativeBuf b, long off, long rows, long cols, long ld) {
        return Nd4j.create(b.array.data(), new long[] {rows, cols}, new long[] {ld, 1}, off, 'c');
    }

    /** A vector view of {@code n} elements of {@code b} from element {@code off}. */
    static INDArray vec(NativeBuf b, long off, long n) {
        return Nd4j.create(b.array.data(), new long[] {n}, new long[] {1}, off, 'c');
    }

    /**
     * The [batch, heads, t, headDim] view of one head-split matrix whose rows (sample b, position p) start at
     * {@code off + (b * t + p) * ld} and whose heads are {@code headDim} columns apart.
     */
    private static INDArray heads(NativeBuf b, long off, int batch, int heads, int t, int headDim, int ld) {
        return Nd4j.create(b.array.data(), new long[] {batch, heads, t, headDim},
                new long[] {(long) t * ld, headDim, ld, 1}, off, 'c');
    }

    private static INDArray blocks(NativeBuf b, int batch, int heads, int t) {
        return Nd4j.create(b.array.data(), new long[] {batch, heads, t, t},
                new long[] {(long) heads * t * t, (long) t * t, t, 1}, 0, 'c');
    }

    private static void mmul(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
                             double beta) {
        Nd4j.exec(new Mmul(a, b, c, alpha, beta,
                MMulTranspose.builder().transposeA(transA).transposeB(transB).build()));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, NativeBuf a, long aOff,
                     int lda, NativeBuf b, long bOff, int ldb, double beta, NativeBuf c, long cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            throw new IllegalArgumentException("gemm with an empty inner dimension");
        }
        INDArray left = transA ? mat(a, aOff, k, m, lda) : mat(a, aOff, m, k, lda);
        INDArray right = transB ? mat(b, bOff, n, k, ldb) : mat(b, bOff, k, n, ldb);
        mmul(left, right, mat(c, cOff, m, n, ldc), transA, transB, alpha, beta);
    }

    @Override
    public void copy(NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long count) {
        if (count > 0) {
            vec(dst, dstOff, count).assign(vec(src, srcOff, count));
        }
    }

    @Override
    public void fill(NativeBuf buf, long off, long count, double value) {
        if (count > 0) {
            vec(buf, off, count).assign(value);
        }
    }

    @Override
    public void accumulate(NativeBuf src, NativeBuf dst, long count) {
        if (count > 0) {
            vec(dst, 0, count).addi(vec(src, 0, count));
        }
    }

    @Override
    public void upload(double[] values, NativeBuf dst) {
        try (MemoryWorkspace ignored = temporaries()) {
            if (values.length > 0) {
                vec(dst, 0, values.length).assign(Nd4j.createFromArray(values).castTo(dst.array.dataType()));
            }
        }
    }

    @Override
    public double[] download(NativeBuf src, int count) {
        return count == 0 ? new double[0] : vec(src, 0, count).toDoubleVector();
    }

    @Override
    public void embed(int[][] tokens, NativeBuf params, long tokenOff, long positionOff, NativeBuf x, int vocab, int t,
                      int d) {
        int batch = tokens.length;
        Nd4j.pullRows(mat(params, tokenOff, vocab, d, d), mat(x, 0, (long) batch * t, d, d), 1, flatten(tokens));
        mat(x, 0, batch, (long) t * d, (long) t * d).addiRowVector(vec(params, positionOff, (long) t * d));
    }

    @Override
    public void embedBackward(int[][] tokens, NativeBuf dx, NativeBuf grad, long tokenOff, long positionOff, int vocab,
                              int t, int d) {
        try (MemoryWorkspace ignored = temporaries()) {
            int batch = tokens.length;
            long rows = (long) batch * t;
            mmul(oneHot(flatten(tokens), vocab), mat(dx, 0, rows, d, d), mat(grad, tokenOff, vocab, d, d), true, false, 1,
                    1);
            vec(grad, positionOff, (long) t * d).addi(mat(dx, 0, batch, (long) t * d, (long) t * d).sum(0));
        }
    }

    @Override
    public void gatherRows(NativeBuf src, int[] rows, NativeBuf dst, int d) {
        if (rows.length > 0) {
            Nd4j.pullRows(mat(src, 0, src.length / d, d, d), mat(dst, 0, rows.length, d, d), 1, rows);
        }
    }

    @Override
    public void scatterRows(NativeBuf src, int[] rows, NativeBuf dst, int d) {
        try (MemoryWorkspace ignored = temporaries()) {
            INDArray target = mat(dst, 0, dst.length / d, d, d);
            target.assign(0);
            if (rows.length > 0) {
                Nd4j.exec((DynamicCustomOp) DynamicCustomOp.builder("scatter_add")
                        .addInputs(target, Nd4j.createFromArray(rows), mat(src, 0, rows.length, d, d))
                        .addOutputs(target).callInplace(true).build());
            }
        }
    }

    @Override
    public void layerNorm(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat, NativeBuf rstd,
                          NativeBuf out, int rows, int d) {
        try (MemoryWorkspace ignored = temporaries()) {
            INDArray in = mat(x, 0, rows, d, d);
            INDArray hat = mat(xhat, 0, rows, d, d);
            INDArray inverseStd = vec(rstd, 0, rows);
            hat.assign(in).subiColumnVector(in.mean(1));
            inverseStd.assign(Transforms.pow(hat.mul(hat).mean(1).addi(Kernels.LAYER_NORM_EPS), -0.5, false));
            hat.muliColumnVector(inverseStd);
            mat(out, 0, rows, d, d).assign(hat).muliRowVector(vec(params, gainOff, d))
                    .addiRowVector(vec(params, biasOff, d));
        }
    }

    @Override
    public void layerNormBackward(NativeBuf dy, NativeBuf xhat, NativeBuf rstd, NativeBuf params, long gainOff,
                                  NativeBuf dx, NativeBuf grad, long dGainOff, long dBiasOff, int rows, int d) {
        try (MemoryWorkspace ignored = temporaries()) {
            INDArray upstream = mat(dy, 0, rows, d, d);
            INDArray hat = mat(xhat, 0, rows, d, d);
            INDArray g = upstream.mulRowVector(vec(params, gainOff, d));
            INDArray meanG = g.mean(1);
            INDArray meanGH = g.mul(hat).mean(1);
            g.subiColumnVector(meanG).subi(hat.mulColumnVector(meanGH)).muliColumnVector(vec(rstd, 0, rows));
            mat(dx, 0, rows, d, d).addi(g);
            if (grad != null) {
                vec(grad, dGainOff, d).addi(upstream.mul(hat).sum(0));
                vec(grad, dBiasOff, d).addi(upstream.sum(0));
            }
        }
    }

    @Override
    public void addBiasRows(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols) {
        INDArray o = mat(out, 0, rows, cols, cols);
        if (src == null) {
            o.assign(0);
        } else {
            o.assign(mat(src, 0, rows, cols, cols));
        }
        o.addiRowVector(vec(params, biasOff, cols));
    }

    @Override
    public void gelu(NativeBuf pre, NativeBuf tanh, NativeBuf act, long n) {
        try (MemoryWorkspace ignored = temporaries()) {
            INDArray x = vec(pre, 0, n);
            INDArray t = vec(tanh, 0, n);
            INDArray inner = x.mul(x).muli(x).muli(Kernels.GELU_K).addi(x).muli(Kernels.GELU_C);
            t.assign(Transforms.tanh(inner, false));
            vec(act, 0, n).assign(t).addi(1).muli(x).muli(0.5);
        }
    }

    @Override
    public void geluBackward(NativeBuf grad, NativeBuf pre, NativeBuf tanh, long n) {
        try (MemoryWorkspace ignored = temporaries()) {
            INDArray x = vec(pre, 0, n);
            INDArray t = vec(tanh, 0, n);
            // gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) C (1 + 3 K x^2)
            INDArray slope = x.mul(x).muli(3 * Kernels.GELU_K).addi(1).muli(Kernels.GELU_C);
            INDArray derivative = t.mul(t).rsubi(1).muli(slope).muli(x).addi(t).addi(1).muli(0.5);
            vec(grad, 0, n).muli(derivative);
        }
    }

    @Override
    public void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff) {
        try (MemoryWorkspace ignored = temporaries()) {
            vec(out, outOff, cols).addi(mat(x, 0, rows, cols, cols).sum(0));
        }
    }

    @Override
    public void attention(NativeBuf qkv, NativeBuf probs, NativeBuf attn, int batch, int heads, int t, int d) {
        int hd = d / heads;
        INDArray p = blocks(probs, batch, heads, t);
        mmul(heads(qkv, 0, batch, heads, t, hd, 3 * d), heads(qkv, d, batch, heads, t, hd, 3 * d), p, false, true,
                1.0 / Math.sqrt(hd), 0);
        mat(probs, 0, (long) batch * heads, (long) t * t, (long) t * t).addiRowVector(causalMask(t));
        INDArray rows = mat(probs, 0, (long) batch * heads * t, t, t);
        Nd4j.exec((DynamicCustomOp) new SoftMax(rows, rows, 1));
        mmul(p, heads(qkv, 2L * d, batch, heads, t, hd, 3 * d), heads(attn, 0, batch, heads, t, hd, d), false, false,
                1, 0);
    }

    /**
     * All rows and heads at once: [m, heads, 1, headDim] queries against the [m, heads, t, headDim] keys of their
     * samples, a -inf mask after each row's position, softmax, then P V into [m, heads, 1, headDim] views of attn.
     */
    @Override
    public void attentionRows(NativeBuf qkv, int[] rows, NativeBuf selectedQkv, NativeBuf probs, NativeBuf attn,
                              int heads, int t, int d) {
        int m = rows.length;
        int hd = d / heads;
        try (MemoryWorkspace ignored = temporaries()) {
            INDArray p = Nd4j.create(probs.array.data(), new long[] {m, heads, 1, t},
                    new long[] {(long) heads * t, t, t, 1}, 0, 'c');
            mmul(heads(selectedQkv, 0, m, heads, 1, hd, 3 * d), heads(qkv, d, m, heads, t, hd, 3 * d), p, false, true,
                    1.0 / Math.sqrt(hd), 0);
            double[] mask = new double[m * heads * t];
            for (int i = 0; i < m; i++) {
                int position = rows[i] - i * t;
                for (int k = 0; k < heads; k++) {
                    java.util.Arrays.fill(mask, (i * heads + k) * t + position + 1, (i * heads + k + 1) * t,
                            Double.NEGATIVE_INFINITY);
                }
            }
            INDArray scores = mat(probs, 0, (long) m * heads, t, t);
            scores.addi(Nd4j.createFromArray(mask).castTo(type).reshape(m * heads, t));
            Nd4j.exec((DynamicCustomOp) new SoftMax(scores, scores, 1));
            mmul(p, heads(qkv, 2L * d, m, heads, t, hd, 3 * d), heads(attn, 0, m, heads, 1, hd, d), false, false, 1, 0);
        }
    }

    @Override
    public void attentionRowsBackward(NativeBuf qkv, int[] rows, NativeBuf selectedQkv, NativeBuf probs,
                                      NativeBuf dAttn, NativeBuf dProbs, NativeBuf dqkv, int heads, int t, int d) {
        int m = rows.length;
        int hd = d / heads;
        double scale = 1.0 / Math.sqrt(hd);
        try (MemoryWorkspace ignored = temporaries()) {
            vec(dqkv, 0, (long) m * t * 3 * d).assign(0);
            INDArray p = Nd4j.create(probs.array.data(), new long[] {m, heads, 1, t},
                    new long[] {(long) heads * t, t, t, 1}, 0, 'c');
            INDArray dp = Nd4j.create(dProbs.array.data(), new long[] {m, heads, 1, t},
                    new long[] {(long) heads * t, t, t, 1}, 0, 'c');
            INDArray dO = heads(dAttn, 0, m, heads, 1, hd, d);
            mmul(dO, heads(qkv, 2L * d, m, heads, t, hd, 3 * d), dp, false, true, 1, 0);
            // dS = P * (dP - rowsum(dP * P)); P is 0 after each query's position, so dS is too.
            INDArray pRows = mat(probs, 0, (long) m * heads, t, t);
            INDArray dRows = mat(dProbs, 0, (long) m * heads, t, t);
            dRows.subiColumnVector(dRows.mul(pRows).sum(1)).muli(pRows);
            INDArray dq = Nd4j.create(type, m, heads, 1, hd);
            mmul(dp, heads(qkv, d, m, heads, t, hd, 3 * d), dq, false, false, scale, 0);
            INDArray dqRows = dq.reshape(m, d);
            for (int i = 0; i < m; i++) {
                mat(dqkv, (long) rows[i] * 3 * d, 1, d, 3 * d).assign(dqRows.getRow(i).reshape(1, d));
            }
            mmul(dp, heads(selectedQkv, 0, m, heads, 1, hd, 3 * d), heads(dqkv, d, m, heads, t, hd, 3 * d), true,
                    false, scale, 0);
            mmul(p, dO, heads(dqkv, 2L * d, m, heads, t, hd, 3 * d), true, false, 1, 0);
        }
    }

    /** Every [t, t] block at once: the batched backward works on all (sample, head) blocks in one operation. */
    @Override
    public long attentionScratch(int batch, int heads, int t) {
        return (long) batch * heads * t * t;
    }

    @Override
    public void attentionBackward(NativeBuf qkv, NativeBuf probs, NativeBuf dAttn, NativeBuf dProbs, NativeBuf dqkv,
                                  int batch, int heads, int t, int d, boolean keys) {
        try (MemoryWorkspace ignored = temporaries()) {
            int hd = d / heads;
            double scale = 1.0 / Math.sqrt(hd);
            INDArray p = blocks(probs, batch, heads, t);
            INDArray dp = blocks(dProbs, batch, heads, t);
            INDArray da = heads(dAttn, 0, batch, heads, t, hd, d);
            mmul(da, heads(qkv, 2L * d, batch, heads, t, hd, 3 * d), dp, false, true, 1, 0);
            mmul(p, da, heads(dqkv, 2L * d, batch, heads, t, hd, 3 * d), true, false, 1, 0);
            // softmax backward: dS = P * (dP - rowsum(dP * P)); P is 0 above the diagonal, so dS is too.
            long rows = (long) batch * heads * t;
            INDArray pRows = mat(probs, 0, rows, t, t);
            INDArray dRows = mat(dProbs, 0, rows, t, t);
            dRows.subiColumnVector(dRows.mul(pRows).sum(1)).muli(pRows);
            mmul(dp, heads(qkv, d, batch, heads, t, hd, 3 * d), heads(dqkv, 0, batch, heads, t, hd, 3 * d), false, false,
                    scale, 0);
            if (keys) {
                mmul(dp, heads(qkv, 0, batch, heads, t, hd, 3 * d), heads(dqkv, d, batch, heads, t, hd, 3 * d), true,
                        false, scale, 0);
            }
        }
    }

    @Override
    public void logSoftmaxRows(NativeBuf logits, int rows, int v, int[] targets, double[] weights, NativeBuf values) {
        try (MemoryWorkspace ignored = temporaries()) {
            if (rows == 0) {
                return;
            }
            INDArray l = mat(logits, 0, rows, v, v);
            // In place when the logits are to be overwritten with the gradient anyway; otherwise they stay as they are.
            INDArray logProbs = weights == null ? l.ulike() : l;
            Nd4j.exec((DynamicCustomOp) new LogSoftMax(l, logProbs));
            INDArray picked = oneHot(targets, v);
            vec(values, 0, rows).assign(logProbs.mul(picked).sum(1).castTo(values.array.dataType()));
            if (weights != null) {
                INDArray w = Nd4j.createFromArray(weights).castTo(type);
                l.assign(picked.subi(Transforms.exp(logProbs, true)).muliColumnVector(w));
            }
        }
    }

    private static MemoryWorkspace temporaries() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(TEMPORARIES, TEMPORARIES_ID);
    }

    /** [indices.length, depth] with a one in column indices[i] of row i. */
    private INDArray oneHot(int[] indices, int depth) {
        INDArray out = Nd4j.create(type, indices.length, depth);
        Nd4j.exec((DynamicCustomOp) new OneHot(Nd4j.createFromArray(indices), out, depth, -1, 1.0, 0.0));
        return out;
    }

    /** [t * t]: 0 on and below the diagonal, -inf above it, so that softmax gives exact zeros there. */
    private INDArray causalMask(int t) {
        return causalMasks.computeIfAbsent(t, n -> {
            double[] mask = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    mask[i * n + j] = Double.NEGATIVE_INFINITY;
                }
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.createFromArray(mask).castTo(type);
            }
        });
    }

    private static int[] flatten(int[][] tokens) {
        int t = tokens.length == 0 ? 0 : tokens[0].length;
        int[] flat = new int[tokens.length * t];
        for (int b = 0; b < tokens.length; b++) {
            System.arraycopy(tokens[b], 0, flat, b * t, t);
        }
        return flat;
    }
}
