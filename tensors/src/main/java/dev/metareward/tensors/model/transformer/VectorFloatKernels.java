package dev.metareward.tensors.model.transformer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * float32 {@link Kernels} on SIMD lanes (Java Vector API; exp is the JDK's vectorised intrinsic, tanh a rational
 * approximation, see {@link #tanh}), used
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}. ND4J's own element-wise exp/tanh ran at 3-14 ns
 * per element on this machine (scalar libm), which alone would cost more than the GEMMs of a step.
 * Loaded only by {@link KernelSelector}, so the rest of the model works without the incubator module.
 */
final class VectorFloatKernels extends ScalarKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final float C = (float) GELU_C;
    private static final float K = (float) GELU_K;

    private static FloatVector load(ByteBuffer b, long i) {
        return FloatVector.fromByteBuffer(S, b, (int) (i << 2), ORDER);
    }

    private static void store(FloatVector v, ByteBuffer b, long i) {
        v.intoByteBuffer(b, (int) (i << 2), ORDER);
    }

    private static float get(ByteBuffer b, long i) {
        return b.getFloat((int) (i << 2));
    }

    private static void put(ByteBuffer b, long i, float v) {
        b.putFloat((int) (i << 2), v);
    }

    private static int vectorEnd(int n) {
        return n - n % L;
    }

    // Rows go two at a time: a row's three passes are chains of dependent adds and two lane reductions, too short to
    // keep the vector units busy, and two independent rows side by side overlap their latencies (88-91 -> 64-66 ns
    // per row of 128 on this EPYC, alternating). Each row's arithmetic is the same as alone, so the results are too, bit for bit. An odd
    // last row is paired with itself: it is computed twice and written twice with the same values.
    @Override
    public void layerNorm(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat, NativeBuf rstd,
                          NativeBuf out, int rows, int d) {
        for (int r = 0; r < rows; r += 2) {
            layerNormRows(x, params, gainOff, biasOff, xhat, rstd, out, r, Math.min(r + 1, rows - 1), d);
        }
    }

    private static void layerNormRows(NativeBuf x, NativeBuf params, long gainOff, long biasOff, NativeBuf xhat,
                                      NativeBuf rstd, NativeBuf out, int r1, int r2, int d) {
        ByteBuffer xb = x.bytes();
        ByteBuffer pb = params.bytes();
        ByteBuffer hb = xhat.bytes();
        ByteBuffer ob = out.bytes();
        int end = vectorEnd(d);
        long o1 = (long) r1 * d;
        long o2 = (long) r2 * d;
        FloatVector acc1 = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S);
        int c = 0;
        for (; c < end; c += L) {
            acc1 = acc1.add(load(xb, o1 + c));
            acc2 = acc2.add(load(xb, o2 + c));
        }
        float sum1 = acc1.reduceLanes(VectorOperators.ADD);
        float sum2 = acc2.reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) {
            sum1 += get(xb, o1 + c);
            sum2 += get(xb, o2 + c);
        }
        float mean1 = sum1 / d;
        float mean2 = sum2 / d;
        acc1 = FloatVector.zero(S);
        acc2 = FloatVector.zero(S);
        for (c = 0; c < end; c += L) {
            FloatVector z1 = load(xb, o1 + c).sub(mean1);
            acc1 = z1.fma(z1, acc1);
            FloatVector z2 = load(xb, o2 + c).sub(mean2);
            acc2 = z2.fma(z2, acc2);
        }
        float var1 = acc1.reduceLanes(VectorOperators.ADD);
        float var2 = acc2.reduceLanes(VectorOperators.ADD);
        for (; c < d; c++) {
            float z1 = get(xb, o1 + c) - mean1;
            var1 += z1 * z1;
            float z2 = get(xb, o2 + c) - mean2;
            var2 += z2 * z2;
        }
        float rs1 = (float) (1.0 / Math.sqrt(var1 / d + LAYER_NORM_EPS));
        float rs2 = (float) (1.0 / Math.sqrt(var2 / d + LAYER_NORM_EPS));
        put(rstd.bytes(), r1, rs1);
        put(rstd.bytes(), r2, rs2);
        for (c = 0; c < end; c += L) {
            FloatVector gain = load(pb, gainOff + c);
            FloatVector bias = load(pb, biasOff + c);
            // Both rows are read before either is written, so a row paired with itself is right even in place.
            FloatVector h1 = load(xb, o1 + c).sub(mean1).mul(rs1);
            FloatVector h2 = load(xb, o2 + c).sub(mean2).mul(rs2);
            store(h1, hb, o1 + c);
            store(h1.fma(gain, bias), ob, o1 + c);
            store(h2, hb, o2 + c);
            store(h2.fma(gain, bias), ob, o2 + c);
        }
        for (; c < d; c++) {
            float h1 = (get(xb, o1 + c) - mean1) * rs1;
            float h2 = (get(xb, o2 + c) - mean2) * rs2;
            put(hb, o1 + c, h1);
            put(ob, o1 + c, h1 * get(pb, gainOff + c) + get(pb, biasOff + c));
            put(hb, o2 + c, h2);
            put(ob, o2 + c, h2 * get(pb, gainOff + c) + get(pb, biasOff + c));
        }
    }

    @Override
    public void layerNormBackward(NativeBuf dy, NativeBuf xhat, NativeBuf rstd, NativeBuf params, long gainOff,
                                  NativeBuf dx, NativeBuf grad, long dGainOff, long dBiasOff, int rows, int d) {
        ByteBuffer yb = dy.bytes();
        ByteBuffer hb = xhat.bytes();
        ByteBuffer pb = params.bytes();
        ByteBuffer xb = dx.bytes();
        int end = vectorEnd(d);
        for (int r = 0; r < rows; r++) {
            long o = (long) r * d;
            FloatVector sg = FloatVector.zero(S);
            FloatVector sgh = FloatVector.zero(S);
            int c = 0;
            for (; c < end; c += L) {
                FloatVector g = load(yb, o + c).mul(load(pb, gainOff + c));
                sg = sg.add(g);
                sgh = g.fma(load(hb, o + c), sgh);
            }
            float meanG = sg.reduceLanes(VectorOperators.ADD);
            float meanGH = sgh.reduceLanes(VectorOperators.ADD);
            for (; c < d; c++) {
                float g = get(yb, o + c) * get(pb, gainOff + c);
                meanG += g;
                meanGH += g * get(hb, o + c);
            }
            meanG /= d;
            meanGH /= d;
            float rs = get(rstd.bytes(), r);
            for (c = 0; c < end; c += L) {
                FloatVector h = load(hb, o + c);
                FloatVector y = load(yb, o + c);
                FloatVector g = y.mul(load(pb, gainOff + c));
                store(g.sub(meanG).sub(h.mul(meanGH)).mul(rs).add(load(xb, o + c)), xb, o + c);
                if (grad != null) {
                    store(y.fma(h, load(grad.bytes(), dGainOff + c)), grad.bytes(), dGainOff + c);
                    store(y.add(load(grad.bytes(), dBiasOff + c)), grad.bytes(), dBiasOff + c);
                }
            }
            for (; c < d; c++) {
                float h = get(hb, o + c);
                float y = get(yb, o + c);
                float g = y * get(pb, gainOff + c);
                put(xb, o + c, get(xb, o + c) + rs * (g - meanG - h * meanGH));
                if (grad != null) {
                    put(grad.bytes(), dGainOff + c, get(grad.bytes(), dGainOff + c) + y * h);
                    put(grad.bytes(), dBiasOff + c, get(grad.bytes(), dBiasOff + c) + y);
                }
            }
        }
    }

    @Override
    public void addBiasRows(NativeBuf src, NativeBuf params, long biasOff, NativeBuf out, int rows, int cols) {
        ByteBuffer pb = params.bytes();
        ByteBuffer ob = out.bytes();
        int end = vectorEnd(cols);
        for (int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            int c = 0;
            for (; c < end; c += L) {
                FloatVector b = load(pb, biasOff + c);
                store(src == null ? b : b.add(load(src.bytes(), o + c)), ob, o + c);
            }
            for (; c < cols; c++) {
                put(ob, o + c, (src == null ? 0f : get(src.bytes(), o + c)) + get(pb, biasOff + c));
            }
        }
    }

    @Override
    public void gelu(NativeBuf pre, NativeBuf tanh, NativeBuf act, long n) {
        ByteBuffer xb = pre.bytes();
        ByteBuffer tb = tanh.bytes();
        ByteBuffer ab = act.bytes();
        long end = n - n % L;
        long i = 0;
        for (; i < end; i += L) {
            FloatVector x = load(xb, i);
            FloatVector t = tanh(x.mul(x).fma(K, 1f).mul(x).mul(C));
            store(t, tb, i);
            store(t.add(1f).mul(x).mul(0.5f), ab, i);
        }
        for (; i < n; i++) {
            float x = get(xb, i);
            float t = (float) Math.tanh(C * (x + K * x * x * x));
            put(tb, i, t);
            put(ab, i, 0.5f * x * (1 + t));
        }
    }

    // tanh(u) ~ u P(u^2) / Q(u^2) on [-T_CLAMP, T_CLAMP] (the rational approximation Eigen uses for float tanh; beyond the
    // clamp tanh is +-1 in float32). Max abs error 2.5e-7 against Math.tanh over N(0, 3^2) inputs, and 1.5x faster
    // than the JDK's SVML TANH lanes on this AVX-512 EPYC (0.55 vs 0.82 ns per element): GELU's tanh was 40% of the
    // element-wise time of an inner step.
    private static final float T_CLAMP = 7.90531110763549805f;
    private static final float A1 = 4.89352455891786e-03f;
    private static final float A3 = 6.37261928875436e-04f;
    private static final float A5 = 1.48572235717979e-05f;
    private static final float A7 = 5.12229709037114e-08f;
    private static final float A9 = -8.60467152213735e-11f;
    private static final float A11 = 2.00018790482477e-13f;
    private static final float A13 = -2.76076847742355e-16f;
    private static final float B0 = 4.89352518554385e-03f;
    private static final float B2 = 2.26843463243900e-03f;
    private static final float B4 = 1.18534705686654e-04f;
    private static final float B6 = 1.19825839466702e-06f;

    static FloatVector tanh(FloatVector u) {
        FloatVector x = u.max(-T_CLAMP).min(T_CLAMP);
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(A13, A11).fma(x2, FloatVector.broadcast(S, A9)).fma(x2, FloatVector.broadcast(S, A7))
                .fma(x2, FloatVector.broadcast(S, A5)).fma(x2, FloatVector.broadcast(S, A3))
                .fma(x2, FloatVector.broadcast(S, A1)).mul(x);
        FloatVector q = x2.fma(B6, B4).fma(x2, FloatVector.broadcast(S, B2)).fma(x2, FloatVector.broadcast(S, B0));
        return p.div(q);
    }

    // exp(x) for x <= 0 (softmax after subtracting the maximum or the log-sum-exp): Cephes' expf, x = n ln2 + r with
    // |r| <= ln2 / 2, a degree-5 polynomial in r, 2^n from the exponent bits. Arithmetic only, so the interpreter, C1 and
    // C2 round it the same way: the JDK's EXP lanes are SVML in C2 code and Math.exp per lane before it, and which one
    // a step ran depended on when the JIT got there, so two runs of the same seed differed in the last bits (decision
    // 69). Max relative error 1.2e-7 on [-87.3, 0]; below -87.3 it returns exp(-87.3), about 1e-38.
    private static final float EXP_LOW = -87.33654f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds a float to an integer
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float E0 = 1.9875691500e-4f;
    private static final float E1 = 1.3981999507e-3f;
    private static final float E2 = 8.3334519073e-3f;
    private static final float E3 = 4.1665795894e-2f;
    private static final float E4 = 1.6666665459e-1f;
    private static final float E5 = 5.0000001201e-1f;

    static FloatVector expNonPositive(FloatVector v) {
        FloatVector x = v.max(EXP_LOW).min(0f);
        FloatVector shifted = x.fma(LOG2E, ROUND);
        FloatVector n = shifted.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        // Estrin's scheme (three independent pairs, then two steps) instead of Horner's chain of five: shorter
        // dependency chains, so the FMA units are not left waiting.
        FloatVector r2 = r.mul(r);
        FloatVector low = r.fma(E4, E5);
        FloatVector mid = r.fma(E2, E3);
        FloatVector high = r.fma(E0, E1);
        FloatVector p = high.fma(r2, mid).fma(r2, low).fma(r2, r.add(1f));
        IntVector scale = ((IntVector) shifted.reinterpretAsInts()).sub(ROUND_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23);
        return p.mul(scale.reinterpretAsFloats());
    }

    @Override
    public void geluBackward(NativeBuf grad, NativeBuf pre, NativeBuf tanh, long n) {
        ByteBuffer gb = grad.bytes();
        ByteBuffer xb = pre.bytes();
        ByteBuffer tb = tanh.bytes();
        long end = n - n % L;
        long i = 0;
        for (; i < end; i += L) {
            FloatVector x = load(xb, i);
            FloatVector t = load(tb, i);
            // 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2)
            FloatVector inner = x.mul(x).fma(3 * K, 1f).mul(C * 0.5f).mul(x).mul(t.mul(t).neg().add(1f));
            store(t.add(1f).mul(0.5f).add(inner).mul(load(gb, i)), gb, i);
        }
        for (; i < n; i++) {
            float x = get(xb, i);
            float t = get(tb, i);
            float dydx = 0.5f * (1 + t) + 0.5f * x * (1 - t * t) * C * (1 + 3 * K * x * x);
            put(gb, i, get(gb, i) * dydx);
        }
    }

    // Row i of a causal score matrix keeps columns 0..i: the vector holding the diagonal keeps lanes 0..i % L. Lane masks
    // as plain vectors (add HIDE[k] before the maximum, multiply by KEEP[k] after exp; index L - 1 keeps every lane), as
    // JDK 17 has no cheap masked lanes: masked max and blend took this kernel to 1.5 ns per element, and the scalar
    // loops over the diagonal vector that replaced them cost more than the vectors.
    private static final FloatVector[] HIDE = new FloatVector[L];
    private static final FloatVector[] KEEP = new FloatVector[L];

    static {
        for (int k = 0; k < L; k++) {
            float[] hide = new float[L];
            float[] keep = new float[L];
            for (int lane = 0; lane < L; lane++) {
                hide[lane] = lane <= k ? 0f : Float.NEGATIVE_INFINITY;
                keep[lane] = lane <= k ? 1f : 0f;
            }
            HIDE[k] = FloatVector.fromArray(S, hide, 0);
            KEEP[k] = FloatVector.fromArray(S, keep, 0);
        }
    }

    @Override
    public void causalSoftmax(NativeBuf s, long off, int t) {
        if (t % L != 0) {
            super.causalSoftmax(s, off, t);
            return;
        }
        ByteBuffer b = s.bytes();
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < t; i++) {
            long o = off + (long) i * t;
            int diagonal = i - i % L;
            int lane = i % L;
            FloatVector mv = load(b, o + diagonal).add(HIDE[lane]);
            for (int j = 0; j < diagonal; j += L) {
                mv = mv.max(load(b, o + j));
            }
            float max = mv.reduceLanes(VectorOperators.MAX);
            FloatVector sv = zero;
            // One exp call site per method: a second one made C2 give up inlining it (NodeCountInliningCutoff).
            for (int j = 0; j <= diagonal; j += L) {
                // Lanes after the diagonal hold finite scores that may exceed max: exp clamps them at 1, KEEP zeroes them.
                FloatVector e = expNonPositive(load(b, o + j).sub(max)).mul(KEEP[j < diagonal ? L - 1 : lane]);
                store(e, b, o + j);
                sv = sv.add(e);
            }
            float inv = 1f / sv.reduceLanes(VectorOperators.ADD);
            for (int j = 0; j <= diagonal; j += L) {
                store(load(b, o + j).mul(inv), b, o + j);
            }
            for (int j = diagonal + L; j < t; j += L) {
                store(zero, b, o + j);
            }
        }
    }

    @Override
    public void softmaxBackward(NativeBuf p, long pOff, NativeBuf g, long gOff, int t) {
        if (t % L != 0) {
            super.softmaxBackward(p, pOff, g, gOff, t);
            return;
        }
        // P is exactly 0 after the diagonal, so whole rows give P * (dP - rowsum(dP * P)) with zeros there.
        ByteBuffer pb = p.bytes();
        ByteBuffer gb = g.bytes();
        for (int i = 0; i < t; i++) {
            long po = pOff + (long) i * t;
            long go = gOff + (long) i * t;
            int used = (i + L) / L * L;
            FloatVector dv = FloatVector.zero(S);
            for (int j = 0; j < used; j += L) {
                dv = load(pb, po + j).fma(load(gb, go + j), dv);
            }
            float dot = dv.reduceLanes(VectorOperators.ADD);
            for (int j = 0; j < t; j += L) {
                store(load(gb, go + j).sub(dot).mul(load(pb, po + j)), gb, go + j);
            }
        }
    }

    @Override
    public void addColumnSums(NativeBuf x, int rows, int cols, NativeBuf out, long outOff) {
        ByteBuffer xb = x.bytes();
        ByteBuffer ob = out.bytes();
        int end = vectorEnd(cols);
        for (int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            int c = 0;
            for (; c < end; c += L) {
                store(load(xb, o + c).add(load(ob, outOff + c)), ob, outOff + c);
            }
            for (; c < cols; c++) {
                put(ob, outOff + c, get(ob, outOff + c) + get(xb, o + c));
            }
        }
    }

    @Override
    public double logSoftmaxPick(NativeBuf logits, long off, int v, int target, double weight,
                                 boolean overwriteWithGradient) {
        ByteBuffer b = logits.bytes();
        int end = vectorEnd(v);
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j < end; j += L) {
            mv = mv.max(load(b, off + j));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; j < v; j++) {
            max = Math.max(max, get(b, off + j));
        }
        float targetLogit = get(b, off + target);
        // exp(x - max) once (one exp call site, as in causalSoftmax), kept in the row when it becomes the gradient
        // -weight * exp(x - max) / sum: a second pass of exp(x - lse) would cost a second call site.
        FloatVector sv = FloatVector.zero(S);
        for (j = 0; j < end; j += L) {
            FloatVector e = expNonPositive(load(b, off + j).sub(max));
            if (overwriteWithGradient) {
                store(e, b, off + j);
            }
            sv = sv.add(e);
        }
        double sum = sv.reduceLanes(VectorOperators.ADD);
        for (; j < v; j++) {
            double e = Math.exp(get(b, off + j) - max);
            if (overwriteWithGradient) {
                put(b, off + j, (float) e);
            }
            sum += e;
        }
        double value = targetLogit - (max + Math.log(sum));
        if (overwriteWithGradient) {
            float scale = (float) (-weight / sum);
            for (j = 0; j < end; j += L) {
                store(load(b, off + j).mul(scale), b, off + j);
            }
            for (; j < v; j++) {
                put(b, off + j, get(b, off + j) * scale);
            }
            put(b, off + target, get(b, off + target) + (float) weight);
        }
        return value;
    }

    @Override
    public void axpy(double alpha, NativeBuf src, long srcOff, NativeBuf dst, long dstOff, long n) {
        ByteBuffer sb = src.bytes();
        ByteBuffer db = dst.bytes();
        float a = (float) alpha;
        long end = n - n % L;
        long i = 0;
        for (; i < end; i += L) {
            store(load(sb, srcOff + i).mul(a).add(load(db, dstOff + i)), db, dstOff + i);
        }
        for (; i < n; i++) {
            put(db, dstOff + i, get(db, dstOff + i) + a * get(sb, srcOff + i));
        }
    }
}
