package dev.metareward.tensors.model.transformer;

/**
 * The element-wise and row-wise steps with the same contract in both engines: declared by the CPU engine's
 * {@link Kernels} and by the engine seam {@link EngineOps}.
 * Offsets are element offsets; row-major matrices are contiguous from offset 0 unless an offset is given.
 * GELU is the tanh form {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}; LayerNorm uses eps 1e-5.
 */
interface StepKernels {

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

    /** out[outOff + c] += sum over rows of x[r, c]. */
    void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff);
}
