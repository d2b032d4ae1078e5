package dev.metareward.tensors.model.transformer;

/**
 * Every primitive operation {@link TransformerEngine} performs on its buffers: the seam between the one forward,
 * backward and head code and the backend that executes it. Two implementations exist:
 * <ul>
 *   <li>{@link CpuOps}, the default on ND4J's CPU backend: BLAS called directly on host pointers ({@link Blas}) and
 *   Java kernels over host memory ({@link Kernels});</li>
 *   <li>{@link Nd4jOps}, the device engine: every step is an ND4J operation on {@code INDArray} views of the same
 *   buffers, so that on the CUDA backend it runs on the GPU the calling thread is bound to, with no host round trip
 *   inside a step.</li>
 * </ul>
 *
 * <p>Conventions: buffers are flat {@link NativeBuf}s; offsets count elements; matrices are row-major with a leading
 * dimension (row stride); a matrix argument without an offset starts at element 0 and is contiguous. Host data (token
 * ids, target rows, per-row weights) enters through {@code int[]}/{@code double[]} arguments, and results leave
 * through {@link #download} only, once per model call. The element-wise steps ({@link StepKernels}) have the same
 * contract as the CPU engine's kernels.
 */
interface EngineOps extends StepKernels {

    /** Row-major {@code C = alpha op(A) op(B) + beta C} on sub-matrices (see {@link Blas#gemm}). */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, NativeBuf a, long aOff, int lda,
              NativeBuf b, long bOff, int ldb, double beta, NativeBuf c, long cOff, int ldc);

    /** dst[dstOff + i] = src[srcOff + i] for i in [0, count). */
    void copy(NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long count);

    /** buf[off + i] = value for i in [0, count). */
    void fill(NativeBuf buf, long off, long count, double value);

    /** dst[i] += src[i] for i in [0, count). */
    void accumulate(NativeBuf src, NativeBuf dst, long count);

    /** dst[i] = values[i] for i in [0, values.length): host input entering the engine's memory. */
    void upload(double[] values, NativeBuf dst);

    /** src[0 .. count) as doubles: the one device-to-host transfer of a model call, after its last step. */
    double[] download(NativeBuf src, int count);

    /**
     * x[b * t + p, :] = params[tokenOff + tokens[b][p] * d, :] + params[positionOff + p * d, :]: token plus position
     * embedding of every position of every row ({@code vocab} rows in the token table).
     */
    void embed(int[][] tokens, NativeBuf params, long tokenOff, long positionOff, NativeBuf x, int vocab, int t, int d);

    /** The gradient of {@link #embed}: adds dx's rows to the token rows they came from and to their positions. */
    void embedBackward(int[][] tokens, NativeBuf dx, NativeBuf grad, long tokenOff, long positionOff, int vocab, int t,
                       int d);

    /** dst[i, :] = src[rows[i], :] for every i (rows of width d). */
    void gatherRows(NativeBuf src, int[] rows, NativeBuf dst, int d);

    /** dst = 0, then dst[rows[i], :] = src[i, :] for every i; the rows must be distinct. */
    void scatterRows(NativeBuf src, int[] rows, NativeBuf dst, int d);

    /**
     * Causal multi-head self-attention of one layer. {@code qkv} is [batch * t, 3d] (queries, keys, values side by
     * side, head h in columns [h * d / heads, (h + 1) * d / heads) of each); writes the softmax probabilities of every
     * (sample, head) block to {@code probs} ([batch, heads, t, t], zeros above the diagonal) and
     * P V to {@code attn} ([batch * t, d], heads side by side).
     */
    void attention(NativeBuf qkv, NativeBuf probs, NativeBuf attn, int batch, int heads, int t, int d);

    /**
     * Causal attention of one query row per sample, for a forward pass that reads only those rows: row i is
     * {@code rows[i] = i * t + p_i} (sample i, position p_i), its query is in {@code selectedQkv} row i ([m, 3d]) and it
     * attends to positions 0..p_i of sample i in {@code qkv} ([m * t, 3d]). Writes the probabilities to {@code probs}
     * ([m, heads, t], zeros after p_i) and P V to {@code attn} ([m, d], heads side by side).
     */
    void attentionRows(NativeBuf qkv, int[] rows, NativeBuf selectedQkv, NativeBuf probs, NativeBuf attn, int heads,
                       int t, int d);

    /**
     * Backward of {@link #attentionRows} for {@code dAttn} ([m, d], the gradient of its output): sets {@code dqkv}
     * ([m * t, 3d]) to the gradient of the attention with respect to {@code qkv}, the query gradient in the query
     * columns of row {@code rows[i]}, key and value gradients in the key and value columns of positions 0..p_i of
     * sample i, zero everywhere else. {@code dProbs} is scratch of {@link #attentionScratch}{@code (m, heads, t)}
     * elements.
     */
    void attentionRowsBackward(NativeBuf qkv, int[] rows, NativeBuf selectedQkv, NativeBuf probs, NativeBuf dAttn,
                               NativeBuf dProbs, NativeBuf dqkv, int heads, int t, int d);

    /** Elements of the scratch {@link #attentionBackward} needs for a batch (the CPU engine: one block). */
    long attentionScratch(int batch, int heads, int t);

    /**
     * Backward of {@link #attention} for {@code dAttn}: writes the query and value gradients into the query and value
     * columns of {@code dqkv}, and the key gradients too when {@code keys}. {@code dProbs} is scratch of
     * {@link #attentionScratch} elements.
     */
    void attentionBackward(NativeBuf qkv, NativeBuf probs, NativeBuf dAttn, NativeBuf dProbs, NativeBuf dqkv,
                           int batch, int heads, int t, int d, boolean keys);

    /**
     * For each of the first {@code rows} rows of the [rows, v] {@code logits}: values[i] = log softmax(row i)[targets[i]].
     * When {@code weights} is not null each row is overwritten with the gradient of weights[i] * values[i],
     * weights[i] * (onehot(targets[i]) - softmax(row i)).
     */
    void logSoftmaxRows(NativeBuf logits, int rows, int v, int[] targets, double[] weights, NativeBuf values);
}
