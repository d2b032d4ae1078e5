package dev.metareward.tensors.model.transformer;

/**
 * Plain scalar {@link Kernels} in double arithmetic for either data type: the reference implementation, used for
 * float64 and as the float32 fallback when the Vector API module is absent.
 */
class ScalarKernels implements Kernels {

    @Override
    public void layerNorm(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat, NativeBuf rstd,
                          NativeBuf out, int rows, int d) {
        for (int r = 0; r < rows; r++) {
            long o = (long) r * d;
            double mean = 0;
            for (int c = 0; c < d; c++) {
                mean += x.get(o + c);
            }
            mean /= d;
            double var = 0;
            for (int c = 0; c < d; c++) {
                double z = x.get(o + c) - mean;
                var += z * z;
            }
            double rs = 1.0 / Math.sqrt(var / d + LAYER_NORM_EPS);
            rstd.set(r, rs);
            for (int c = 0; c < d; c++) {
                double h = (x.get(o + c) - mean) * rs;
                xhat.set(o + c, h);
                out.set(o + c, h * params.get(gainOff + c) + params.get(biasOff + c));
            }
        }
    }

    @Override
    public void layerNormBackward(NativeBuf dy, NativeBuf xhat, NativeBuf rstd, NativeBuf params, long gainOff,
                                  NativeBuf dx, NativeBuf grad, long dGainOff, long dBiasOff, int rows, int d) {
        for (int r = 0; r < rows; r++) {
            long o = (long) r * d;
            double meanG = 0;
            double meanGH = 0;
            for (int c = 0; c < d; c++) {
                double g = dy.get(o + c) * params.get(gainOff + c);
                meanG += g;
                meanGH += g * xhat.get(o + c);
            }
            meanG /= d;
            meanGH /= d;
            double rs = rstd.get(r);
            for (int c = 0; c < d; c++) {
                double h = xhat.get(o + c);
                double g = dy.get(o + c) * params.get(gainOff + c);
                dx.add(o + c, rs * (g - meanG - h * meanGH));
                if (grad != null) {
                    grad.add(dGainOff + c, dy.get(o + c) * h);
                    grad.add(dBiasOff + c, dy.get(o + c));
                }
            }
        }
    }

    @Override
    public void addBiasRows(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                out.set(o + c, (src == null ? 0.0 : src.get(o + c)) + params.get(biasOff + c));
            }
        }
    }

    @Override
    public void gelu(NativeBuf pre, NativeBuf tanh, NativeBuf act, long n) {
        for (long i = 0; i < n; i++) {
            double x = pre.get(i);
            double t = Math.tanh(GELU_C * (x + GELU_K * x * x * x));
            tanh.set(i, t);
            act.set(i, 0.5 * x * (1 + t));
        }
    }

    @Override
    public void geluBackward(NativeBuf grad, NativeBuf pre, NativeBuf tanh, long n) {
        for (long i = 0; i < n; i++) {
            double x = pre.get(i);
            double t = tanh.get(i);
            double dydx = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x);
            grad.set(i, grad.get(i) * dydx);
        }
    }

    @Override
    public void causalSoftmax(NativeBuf s, long off, int t) {
        for (int i = 0; i < t; i++) {
            long o = off + (long) i * t;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                max = Math.max(max, s.get(o + j));
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                double e = Math.exp(s.get(o + j) - max);
                s.set(o + j, e);
                sum += e;
            }
            double inv = 1.0 / sum;
            for (int j = 0; j <= i; j++) {
                s.set(o + j, s.get(o + j) * inv);
            }
            for (int j = i + 1; j < t; j++) {
                s.set(o + j, 0.0);
            }
        }
    }

    @Override
    public void softmaxBackward(NativeBuf p, long pOff, NativeBuf g, long gOff, int t) {
        for (int i = 0; i < t; i++) {
            long po = pOff + (long) i * t;
            long go = gOff + (long) i * t;
            double dot = 0;
            for (int j = 0; j <= i; j++) {
                dot += p.get(po + j) * g.get(go + j);
            }
            for (int j = 0; j <= i; j++) {
                g.set(go + j, p.get(po + j) * (g.get(go + j) - dot));
            }
            for (int j = i + 1; j < t; j++) {
                g.set(go + j, 0.0);
            }
        }
    }

    @Override
    public void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff) {
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += x.get((long) r * cols + c);
            }
            out.add(outOff + c, s);
        }
    }

    @Override
    public double logSoftmaxPick(NativeBuf logits, long off, int v, int target, double weight,
                                 boolean overwriteWithGradient) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, logits.get(off + j));
        }
        double sum = 0;
        for (int j = 0; j < v; j++) {
            sum += Math.exp(logits.get(off + j) - max);
        }
        double lse = max + Math.log(sum);
        double value = logits.get(off + target) - lse;
        if (overwriteWithGradient) {
            for (int j = 0; j < v; j++) {
                double p = Math.exp(logits.get(off + j) - lse);
                logits.set(off + j, weight * ((j == target ? 1.0 : 0.0) - p));
            }
        }
        return value;
    }

    @Override
    public void axpy(double alpha, NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long n) {
        for (long i = 0; i < n; i++) {
            dst.set(dstOff + i, dst.get(dstOff + i) + alpha * src.get(srcOff + i));
        }
    }
}
