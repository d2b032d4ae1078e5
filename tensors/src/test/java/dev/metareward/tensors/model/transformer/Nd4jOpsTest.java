package dev.metareward.tensors.model.transformer;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.PreciseGELU;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device engine's primitives ({@link Nd4jOps}) one by one against the CPU engine with the scalar reference
 * kernels, float64, on odd sizes, offsets and leading dimensions; and the ND4J 1.0.0-M2.1 operations that
 * {@link Nd4jOps} avoids, asserted to still be wrong here (docs/ND4J-OPS.md): when one of these assertions fails
 * after an ND4J upgrade, that op may have been fixed and the workaround can be revisited.
 */
class Nd4jOpsTest {

    private static final double TOLERANCE = 1e-12;
    private final EngineOps device = new Nd4jOps(DataType.DOUBLE);
    private final EngineOps cpu = new CpuOps(new ScalarKernels());
    private long seed = 1;

    @Test
    void shouldMatchTheCpuEngineForGemmOnViewsWithEveryTranspose() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                // A: op(A) is 3x4 at offset 5 with ld 7; B: op(B) is 4x2 at offset 3 with ld 6; C: 3x2 at offset 2, ld 9.
                NativeBuf a = random(60);
                NativeBuf b = random(40);
                compare(random(40), (k, c) -> k.gemm(ta, tb, 3, 2, 4, 0.7, a, 5, 7, b, 3, 6, 1.0, c, 2, 9));
            }
        }
    }

    @Test
    void shouldMatchTheCpuEngineForTheElementWiseSteps() {
        int rows = 3;
        int d = 7;
        NativeBuf x = random(rows * d);
        NativeBuf params = random(3 * d);
        NativeBuf[] ln = {random(rows * d), random(rows), random(rows * d)};
        compareAll(ln, (k, o) -> k.layerNorm(x, params, d, 2 * d, o[0], o[1], o[2], rows, d));
        NativeBuf dy = random(rows * d);
        NativeBuf[] lnBack = {random(rows * d), random(3 * d)};
        NativeBuf hat = ln[0];
        NativeBuf rstd = ln[1];
        cpu.layerNorm(x, params, d, 2 * d, hat, rstd, ln[2], rows, d);
        compareAll(lnBack, (k, o) -> k.layerNormBackward(dy, hat, rstd, params, d, o[0], o[1], 0, d, rows, d));
        NativeBuf pre = random(rows * d);
        NativeBuf[] gelu = {random(rows * d), random(rows * d)};
        compareAll(gelu, (k, o) -> k.gelu(pre, o[0], o[1], (long) rows * d));
        NativeBuf tanh = gelu[0];
        cpu.gelu(pre, tanh, gelu[1], (long) rows * d);
        compare(random(rows * d), (k, g) -> k.geluBackward(g, pre, tanh, (long) rows * d));
        compare(random(rows * d), (k, o) -> k.addBiasRows(x, params, 3, o, rows, d));
        compare(random(d + 4), (k, o) -> k.addColumnSums(x, rows, d, o, 2));
    }

    @Test
    void shouldMatchTheCpuEngineForCausalAttentionForwardAndBackward() {
        int batch = 2;
        int heads = 2;
        int t = 5;
        int d = 6;
        NativeBuf qkv = random(batch * t * 3 * d);
        NativeBuf[] forward = {random(batch * heads * t * t), random(batch * t * d)};
        compareAll(forward, (k, o) -> k.attention(qkv, o[0], o[1], batch, heads, t, d));
        NativeBuf probs = forward[0];
        cpu.attention(qkv, probs, forward[1], batch, heads, t, d);
        NativeBuf dAttn = random(batch * t * d);
        NativeBuf scratch = random(batch * heads * t * t);
        compare(random(batch * t * 3 * d),
                (k, g) -> k.attentionBackward(qkv, probs, dAttn, scratch, g, batch, heads, t, d, true));
        int[] lastRows = {3, t + 4}; // sample 0 at position 3, sample 1 at its last position
        NativeBuf selected = random(2 * 3 * d);
        NativeBuf[] rows = {random(batch * heads * t), random(batch * d)};
        compareAll(rows, (k, o) -> k.attentionRows(qkv, lastRows, selected, o[0], o[1], heads, t, d));
    }

    @Test
    void shouldMatchTheCpuEngineForRowsEmbeddingsAndTheLogSoftmaxHead() {
        int d = 4;
        int vocab = 6;
        int t = 3;
        int[][] tokens = {{1, 5, 1}, {1, 0, 1}}; // repeated tokens: their embedding gradients must add up
        NativeBuf params = random(vocab * d + t * d + 3);
        compare(random(2 * t * d), (k, x) -> k.embed(tokens, params, 3, 3 + vocab * d, x, vocab, t, d));
        NativeBuf dx = random(2 * t * d);
        compare(random(vocab * d + t * d + 3),
                (k, g) -> k.embedBackward(tokens, dx, g, 3, 3 + vocab * d, vocab, t, d));
        NativeBuf src = random(5 * d);
        int[] rows = {4, 0, 2};
        compare(random(3 * d), (k, o) -> k.gatherRows(src, rows, o, d));
        compare(random(5 * d), (k, o) -> k.scatterRows(src, rows, o, d));
        int v = 9;
        int[] targets = {3, 0, 8};
        double[] weights = {0.5, -2.0, 1.5};
        NativeBuf[] head = {random(3 * v), NativeBuf.zeros(DataType.DOUBLE, 3)};
        compareAll(head, (k, o) -> k.logSoftmaxRows(o[0], 3, v, targets, weights, o[1]));
        NativeBuf[] valuesOnly = {random(3 * v), NativeBuf.zeros(DataType.DOUBLE, 3)};
        compareAll(valuesOnly, (k, o) -> k.logSoftmaxRows(o[0], 3, v, targets, null, o[1]));
        assertArrayEquals(new double[] {1, 2}, device.download(upload(new double[] {1, 2}), 2));
    }

    @Test
    void shouldStillRefuseAViewAsTheOutputOfNd4jGemm() {
        INDArray buffer = Nd4j.zeros(DataType.DOUBLE, 20);
        INDArray view = Nd4j.create(buffer.data(), new long[] {2, 2}, new long[] {4, 1}, 1, 'c');
        INDArray a = Nd4j.rand(DataType.DOUBLE, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nd4j.gemm(a, a, view, false, false, 1.0, 0.0));
        assertTrue(e.getMessage().contains("view"), e.getMessage());
    }

    @Test
    void shouldStillComputeLayerNormWithoutEpsilon() {
        // A row of small spread: with eps 1e-5 the normalised values shrink noticeably, without eps they do not.
        INDArray x = Nd4j.createFromArray(new double[][] {{1.000, 1.002, 0.998, 1.001}});
        INDArray gain = Nd4j.ones(DataType.DOUBLE, 4);
        INDArray bias = Nd4j.zeros(DataType.DOUBLE, 4);
        INDArray op = Nd4j.exec((DynamicCustomOp) new LayerNorm(x, gain, bias, x.ulike(), true, 1))[0];
        INDArray centred = x.subRowVector(x.mean(1));
        double variance = centred.mul(centred).meanNumber().doubleValue();
        INDArray withoutEps = centred.div(Math.sqrt(variance));
        INDArray withEps = centred.div(Math.sqrt(variance + Kernels.LAYER_NORM_EPS));
        assertTrue(EngineParity.maxRelativeError(op, withoutEps) < 1e-9, "layer_norm now differs from eps 0");
        assertTrue(EngineParity.maxRelativeError(op, withEps) > 0.1, "layer_norm now uses an epsilon");
    }

    @Test
    void shouldStillComputeGeluValuesThatAreNotTheTanhForm() {
        INDArray x = Nd4j.createFromArray(1.0, 2.0, -1.0);
        double[] tanhForm = new double[3];
        for (int i = 0; i < 3; i++) {
            double v = x.getDouble(i);
            tanhForm[i] = 0.5 * v * (1 + Math.tanh(Kernels.GELU_C * (v + Kernels.GELU_K * v * v * v)));
        }
        INDArray expected = Nd4j.createFromArray(tanhForm);
        // PreciseGELU(1) = 0.8314 here; the tanh form gives 0.8412 and the exact (erf) GELU 0.8413.
        assertEquals(0.8314, Nd4j.exec(new PreciseGELU(x, x.ulike())).getDouble(0), 1e-4);
        assertTrue(EngineParity.maxRelativeError(Nd4j.exec(new PreciseGELU(x, x.ulike())), expected) > 1e-3);
        assertTrue(EngineParity.maxRelativeError(Nd4j.exec(new GELU(x, x.ulike())), expected) > 1e-3);
    }

    /** Runs {@code op} on a copy of {@code out} with each engine and compares the results. */
    private void compare(NativeBuf out, BiConsumer<EngineOps, NativeBuf> op) {
        compareAll(new NativeBuf[] {out}, (k, o) -> op.accept(k, o[0]));
    }

    /** Runs {@code op} on copies of the output buffers with each engine and compares every output. */
    private void compareAll(NativeBuf[] outs, BiConsumer<EngineOps, NativeBuf[]> op) {
        NativeBuf[] viaCpu = new NativeBuf[outs.length];
        NativeBuf[] viaDevice = new NativeBuf[outs.length];
        for (int i = 0; i < outs.length; i++) {
            viaCpu[i] = NativeBuf.wrap(outs[i].array.dup(), DataType.DOUBLE);
            viaDevice[i] = NativeBuf.wrap(outs[i].array.dup(), DataType.DOUBLE);
        }
        op.accept(cpu, viaCpu);
        op.accept(device, viaDevice);
        for (int i = 0; i < outs.length; i++) {
            double error = EngineParity.maxRelativeError(viaDevice[i].array, viaCpu[i].array);
            assertTrue(error <= TOLERANCE, "output " + i + ": max relative error " + error);
        }
    }

    /** n values uniform in [-2, 2), a new fixed stream per call. */
    private NativeBuf random(int n) {
        double[] values = new SplittableRandom(seed++).doubles(n, -2, 2).toArray();
        return NativeBuf.wrap(Nd4j.createFromArray(values), DataType.DOUBLE);
    }

    private NativeBuf upload(double[] values) {
        NativeBuf b = NativeBuf.zeros(DataType.DOUBLE, values.length);
        device.upload(values, b);
        return b;
    }
}
