package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD float32 kernels against the scalar reference on sizes with vector tails, and a float32 model against the
 * float64 model with the same weights (float32 rounding bounds the agreement at ~1e-4 relative).
 */
class VectorFloatKernelsTest {

    private static final double TOLERANCE = 2e-5;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private final Kernels fast = KernelSelector.forType(DataType.FLOAT);
    private final Kernels reference = new ScalarKernels();
    private final SplittableRandom random = new SplittableRandom(3);

    @Test
    void shouldUseTheSimdKernelsWhenTheVectorModuleIsPresent() {
        assertTrue(KernelSelector.vectorModulePresent(), "tests run with --add-modules jdk.incubator.vector");
        assertInstanceOf(VectorFloatKernels.class, fast);
    }

    @Test
    void shouldMatchTheScalarKernelsRowWise() {
        int rows = 5;
        int d = 37;
        NativeBuf x = random(rows * d, 2.0);
        NativeBuf params = random(2 * d + 3, 1.0);
        NativeBuf[] f = {zeros(rows * d), zeros(rows), zeros(rows * d)};
        NativeBuf[] r = {zeros(rows * d), zeros(rows), zeros(rows * d)};
        fast.layerNorm(x, params, 1, d + 2, f[0], f[1], f[2], rows, d);
        reference.layerNorm(x, params, 1, d + 2, r[0], r[1], r[2], rows, d);
        for (int i = 0; i < 3; i++) {
            assertClose(r[i], f[i]);
        }
        NativeBuf dy = random(rows * d, 1.0);
        NativeBuf dxF = random(rows * d, 1.0);
        NativeBuf dxR = copy(dxF);
        NativeBuf gradF = random(3 * d, 1.0);
        NativeBuf gradR = copy(gradF);
        fast.layerNormBackward(dy, r[0], r[1], params, 1, dxF, gradF, 0, d + 1, rows, d);
        reference.layerNormBackward(dy, r[0], r[1], params, 1, dxR, gradR, 0, d + 1, rows, d);
        assertClose(dxR, dxF);
        assertClose(gradR, gradF);
        NativeBuf outF = zeros(rows * d);
        NativeBuf outR = zeros(rows * d);
        fast.addBiasRows(x, params, 3, outF, rows, d);
        reference.addBiasRows(x, params, 3, outR, rows, d);
        assertClose(outR, outF);
        NativeBuf sumF = random(d + 4, 1.0);
        NativeBuf sumR = copy(sumF);
        fast.addColumnSums(x, rows, d, sumF, 4);
        reference.addColumnSums(x, rows, d, sumR, 4);
        assertClose(sumR, sumF);
        NativeBuf yF = random(2 * d, 1.0);
        NativeBuf yR = copy(yF);
        fast.axpy(-0.7, x, 5, yF, 3, d + 2);
        reference.axpy(-0.7, x, 5, yR, 3, d + 2);
        assertClose(yR, yF);
    }

    @Test
    void layerNormOfARowDoesNotDependOnTheRowsBesideIt() {
        // The kernel takes rows in pairs (an odd last row paired with itself): every row must come out bit for bit as
        // when it is normalised alone, on a width with a vector tail and on one without.
        for (int d : new int[] {37, 4 * SPECIES.length()}) {
            int rows = 5;
            NativeBuf x = random(rows * d, 2.0);
            NativeBuf params = random(2 * d, 1.0);
            NativeBuf[] all = {zeros(rows * d), zeros(rows), zeros(rows * d)};
            fast.layerNorm(x, params, 0, d, all[0], all[1], all[2], rows, d);
            for (int r = 0; r < rows; r++) {
                NativeBuf row = zeros(d);
                row.copyFrom(x, (long) r * d, 0, d);
                NativeBuf[] one = {zeros(d), zeros(1), zeros(d)};
                fast.layerNorm(row, params, 0, d, one[0], one[1], one[2], 1, d);
                assertEquals(one[1].get(0), all[1].get(r), 0.0, "rstd of row " + r + ", d " + d);
                for (int c = 0; c < d; c++) {
                    assertEquals(one[0].get(c), all[0].get((long) r * d + c), 0.0, "xhat " + r + "," + c);
                    assertEquals(one[2].get(c), all[2].get((long) r * d + c), 0.0, "out " + r + "," + c);
                }
            }
        }
    }

    @Test
    void tanhApproximationIsWithinAFewFloatUlpsEverywhere() {
        // Dense over [-12, 12] (beyond the clamp too), and tiny arguments where tanh(u) ~ u needs relative accuracy.
        double worst = worstError(VectorFloatKernels::tanh, Math::tanh, -120_000, 120_000, false);
        assertTrue(worst < 5e-7, "max abs error " + worst);
        for (float tiny : new float[] {1e-30f, -3e-8f, 1e-5f}) {
            assertEquals(Math.tanh(tiny), lane0(VectorFloatKernels::tanh, tiny), 1e-6 * Math.abs(tiny),
                    "tanh(" + tiny + ")");
        }
    }

    @Test
    void expApproximationIsWithinTwoFloatUlpsOnTheSoftmaxDomain() {
        double worst = worstError(VectorFloatKernels::expNonPositive, Math::exp, -873_360, 0, true);
        assertTrue(worst < 2.5e-7, "max relative error " + worst);
        assertEquals(1f, lane0(VectorFloatKernels::expNonPositive, 0f), "exp(0)");
        float atMinusInfinity = lane0(VectorFloatKernels::expNonPositive, Float.NEGATIVE_INFINITY);
        assertTrue(atMinusInfinity >= 0 && atMinusInfinity < 1e-37,
                "exp(-inf) is below every probability a float32 softmax keeps: " + atMinusInfinity);
    }

    /**
     * The largest error of {@code approximation} against {@code exact} at u = k * 1e-4 for k in [from, to] (absolute,
     * or relative to |exact|).
     */
    private static double worstError(UnaryOperator<FloatVector> approximation, DoubleUnaryOperator exact, int from,
                                     int to, boolean relative) {
        float[] u = new float[SPECIES.length()];
        float[] out = new float[SPECIES.length()];
        double worst = 0;
        for (int i = from; i <= to; i += u.length) {
            for (int j = 0; j < u.length; j++) {
                u[j] = Math.min(to * 1e-4f, (i + j) * 1e-4f);
            }
            approximation.apply(FloatVector.fromArray(SPECIES, u, 0)).intoArray(out, 0);
            for (int j = 0; j < u.length; j++) {
                double e = exact.applyAsDouble(u[j]);
                worst = Math.max(worst, Math.abs(out[j] - e) / (relative ? Math.abs(e) : 1));
            }
        }
        return worst;
    }

    /** {@code approximation} of a vector whose lanes all hold {@code x}, lane 0. */
    private static float lane0(UnaryOperator<FloatVector> approximation, float x) {
        return approximation.apply(FloatVector.broadcast(SPECIES, x)).lane(0);
    }

    @Test
    void shouldMatchTheScalarKernelsForGeluAndSoftmax() {
        int n = 1001;
        NativeBuf pre = random(n, 3.0);
        NativeBuf[] f = {zeros(n), zeros(n)};
        NativeBuf[] r = {zeros(n), zeros(n)};
        fast.gelu(pre, f[0], f[1], n);
        reference.gelu(pre, r[0], r[1], n);
        assertClose(r[0], f[0]);
        assertClose(r[1], f[1]);
        NativeBuf gF = random(n, 1.0);
        NativeBuf gR = copy(gF);
        fast.geluBackward(gF, pre, r[0], n);
        reference.geluBackward(gR, pre, r[0], n);
        assertClose(gR, gF);
        for (int t : new int[] {21, 32, 64}) {
            NativeBuf sF = random(3 * t * t, 4.0);
            NativeBuf sR = copy(sF);
            fast.causalSoftmax(sF, t * t, t);
            reference.causalSoftmax(sR, t * t, t);
            assertClose(sR, sF);
            NativeBuf dF = random(t * t, 1.0);
            NativeBuf dR = copy(dF);
            fast.softmaxBackward(sR, t * t, dF, 0, t);
            reference.softmaxBackward(sR, t * t, dR, 0, t);
            assertClose(dR, dF);
        }
        int v = 259;
        NativeBuf lF = random(2 * v, 3.0);
        NativeBuf lR = copy(lF);
        assertEquals(reference.logSoftmaxPick(lR, v, v, 17, -1.5, true), fast.logSoftmaxPick(lF, v, v, 17, -1.5, true),
                1e-4);
        assertClose(lR, lF);
    }

    @Test
    void shouldAgreeWithTheFloat64ModelToFloat32Precision() {
        TransformerModel m64 = TinyModels.model(DataType.DOUBLE, 21);
        TransformerModel m32 = TinyModels.model(DataType.FLOAT, 21);
        TokenBatch batch = TinyModels.batch(3, 9);
        double[] w = {1.0, 0.5, -2.0};
        INDArray theta64 = TinyModels.jitter(m64.policy().initialParameters(), 0.2, 5);
        ValueAndGradient p64 = m64.policy().sequenceLogProbsAndGradient(theta64, batch, w);
        ValueAndGradient p32 = m32.policy().sequenceLogProbsAndGradient(theta64.castTo(DataType.FLOAT), batch, w);
        assertRelative(p64.values(), p32.values(), 1e-4);
        assertRelative(p64.gradient(), p32.gradient(), 1e-3);
        INDArray phi64 = TinyModels.jitter(m64.reward().initialParameters(4), 0.2, 6);
        ValueAndGradient r64 = m64.reward().rewardsAndGradient(phi64, batch, w);
        ValueAndGradient r32 = m32.reward().rewardsAndGradient(phi64.castTo(DataType.FLOAT), batch, w);
        assertRelative(r64.values(), r32.values(), 1e-4);
        assertRelative(r64.gradient(), r32.gradient(), 1e-3);
        assertRelative(m64.baseTrainer(1e-3).lossAndGradient(batch).gradient(),
                m32.baseTrainer(1e-3).lossAndGradient(batch).gradient(), 1e-3);
    }

    private static void assertRelative(INDArray expected, INDArray actual, double tolerance) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        double error = e.sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue();
        double scale = e.norm2Number().doubleValue();
        assertTrue(error <= tolerance * scale, "relative error " + error / scale + " above " + tolerance);
    }

    private void assertClose(NativeBuf expected, NativeBuf actual) {
        for (long i = 0; i < expected.length; i++) {
            double e = expected.get(i);
            assertEquals(e, actual.get(i), TOLERANCE * (1 + Math.abs(e)), "element " + i);
        }
    }

    private NativeBuf random(int n, double scale) {
        NativeBuf b = zeros(n);
        for (int i = 0; i < n; i++) {
            b.set(i, scale * random.nextGaussian());
        }
        return b;
    }

    private static NativeBuf copy(NativeBuf src) {
        NativeBuf b = zeros((int) src.length);
        b.copyFrom(src, 0, 0, src.length);
        return b;
    }

    private static NativeBuf zeros(int n) {
        return NativeBuf.zeros(DataType.FLOAT, n);
    }
}
