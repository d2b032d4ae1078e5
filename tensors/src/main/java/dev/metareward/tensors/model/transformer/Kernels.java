package dev.metareward.tensors.model.transformer;

/**
 * The element-wise and row-wise steps of the transformer (everything except GEMMs), forward and backward.
 * Offsets are element offsets; row-major matrices are contiguous from offset 0 unless an offset is given.
 * GELU is the tanh form {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}; LayerNorm uses eps 1e-5.
 */
interface Kernels {

    double LAYER_NORM_EPS = 1e-5;
    double GELU_C = 0.7978845608028654; // sqrt(2 / pi)
    double GELU_K = 0.044715;

    /** out = xhat * g + b with xhat = (x - mean) * rstd per row; keeps xhat and rstd for the backward pass. */
    void layerNorm(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat, NativeBuf rstd,
                   NativeBuf out, int rows, int d);

    /**
     * dx += LayerNorm backward of dy; when {@code grad} is not null also grad[gain] += sum dy * xhat and
     * grad[bias] += sum dy.
     */
    void layerNormBackward(NativeBuf dy, NativeBuf xhat, NativeBuf rstd, NativeBuf params, long gainOff,
                           NativeBuf dx, NativeBuf grad, long dGainOff, long dBiasOff, int rows, int d);

    /** out[r, c] = src[r, c] + bias[c] ({@code src} may be null for "0"). */
    void addBiasRows(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols);

    /** act = gelu(pre) and tanh = the tanh inside it (kept for the backward pass). */
    void gelu(NativeBuf pre, NativeBuf tanh, NativeBuf act, long n);

    /** grad (in: d act, out: d pre) *= gelu'(pre). */
    void geluBackward(NativeBuf grad, NativeBuf pre, NativeBuf tanh, long n);

    /** In place on the [t, t] block at {@code off}: row i becomes softmax(row[0..i]) followed by zeros. */
    void causalSoftmax(NativeBuf s, long off, int t);

    /** g (in: dP, out: dS) = P * (dP - rowsum(dP * P)) on the causal part of the [t, t] blocks, zeros above it. */
    void softmaxBackward(NativeBuf p, long pOff, NativeBuf g, long gOff, int t);

    /** out[outOff + c] += sum over rows of x[r, c]. */
    void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff);

    /**
     * Returns log softmax(row)[target] of the row of length {@code v} at {@code off}; when {@code weight} is not 0 the
     * row is overwritten with the gradient of weight * that value, weight * (onehot(target) - softmax(row)).
     */
    double logSoftmaxPick(NativeBuf logits, long off, int v, int target, double weight, boolean overwriteWithGradient);

    /** dst[dstOff + i] += alpha * src[srcOff + i] for i in [0, n). */
    void axpy(double alpha, NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long n);

    /** Returns sum of a[aOff + i] * b[bOff + i] for i in [0, n). */
    double dot(NativeBuf a, long aOff, NativeBuf b, long bOff, long n);
}
