package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.OuterSettings.Optimizer;
import dev.metareward.config.OuterSettings;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SGD and Adam against hand computation, clipping, step scaling, refusal of non-finite steps, state round trip. */
class OuterOptimizerTest {

    private static OuterOptimizer optimizer(Optimizer kind, double lr, double clip) {
        return OuterOptimizer.create(new OuterSettings(10, 8, kind, lr, clip), 3);
    }

    @Test
    void shouldTakePlainSgdSteps() {
        INDArray phi = Nd4j.createFromArray(1.0, -2.0, 0.5);
        OuterOptimizer sgd = optimizer(Optimizer.SGD, 0.1, 0);
        assertTrue(sgd.step(phi, Nd4j.createFromArray(3.0, 4.0, -1.0), 1.0));
        assertArrayEquals(new double[] {1.0 - 0.3, -2.0 - 0.4, 0.5 + 0.1}, phi.toDoubleVector(), 1e-15);
        assertTrue(sgd.step(phi, Nd4j.createFromArray(1.0, 1.0, 1.0), 0.5));
        assertArrayEquals(new double[] {0.7 - 0.05, -2.4 - 0.05, 0.6 - 0.05}, phi.toDoubleVector(), 1e-15);
    }

    @Test
    void shouldMatchHandComputedBiasCorrectedAdam() {
        double lr = 0.01;
        double[][] gradients = {{0.5, -1.0, 2.0}, {0.1, 0.3, -0.2}, {-0.4, 0.0, 1.0}};
        double[] phi = {1.0, 2.0, 3.0};
        double[] m = new double[3];
        double[] v = new double[3];
        INDArray phiNd = Nd4j.createFromArray(phi.clone());
        OuterOptimizer adam = optimizer(Optimizer.ADAM, lr, 0);
        for (int t = 1; t <= gradients.length; t++) {
            double[] g = gradients[t - 1];
            for (int k = 0; k < 3; k++) {
                m[k] = 0.9 * m[k] + 0.1 * g[k];
                v[k] = 0.999 * v[k] + 0.001 * g[k] * g[k];
                double mHat = m[k] / (1 - Math.pow(0.9, t));
                double vHat = v[k] / (1 - Math.pow(0.999, t));
                phi[k] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
            }
            assertTrue(adam.step(phiNd, Nd4j.createFromArray(g), 1.0));
            assertArrayEquals(phi, phiNd.toDoubleVector(), 1e-14, "after step " + t);
        }
        assertEquals(3, adam.steps());
        assertArrayEquals(m, adam.state().firstMoment(), 1e-15);
        assertArrayEquals(v, adam.state().secondMoment(), 1e-15);
    }

    @Test
    void shouldClipTheGlobalNormOnlyWhenAboveTheLimit() {
        INDArray phi = Nd4j.zeros(DataType.DOUBLE, 3);
        OuterOptimizer sgd = optimizer(Optimizer.SGD, 1.0, 1.0);
        assertTrue(sgd.step(phi, Nd4j.createFromArray(6.0, 8.0, 0.0), 1.0));
        assertArrayEquals(new double[] {-0.6, -0.8, 0.0}, phi.toDoubleVector(), 1e-15);
        assertEquals(10.0, sgd.lastGradientNorm(), 1e-12);
        assertEquals(1, sgd.clippedSteps());
        assertTrue(sgd.step(phi, Nd4j.createFromArray(0.3, 0.4, 0.0), 1.0));
        assertArrayEquals(new double[] {-0.9, -1.2, 0.0}, phi.toDoubleVector(), 1e-15);
        assertEquals(1, sgd.clippedSteps());
    }

    @Test
    void shouldScaleTheAdamStepNotJustTheGradient() {
        // With Adam a gradient scaled by 1/2 would give the same first step; stepScale 1/2 must halve it.
        INDArray full = Nd4j.createFromArray(1.0, 1.0, 1.0);
        INDArray half = full.dup();
        INDArray g = Nd4j.createFromArray(0.2, -0.3, 0.4);
        optimizer(Optimizer.ADAM, 0.1, 0).step(full, g, 1.0);
        optimizer(Optimizer.ADAM, 0.1, 0).step(half, g, 0.5);
        assertArrayEquals(full.sub(1.0).mul(0.5).toDoubleVector(), half.sub(1.0).toDoubleVector(), 1e-15);
    }

    @Test
    void shouldRefuseNonFiniteGradientsAndKeepEverythingBitIdentical() {
        for (Optimizer kind : Optimizer.values()) {
            INDArray phi = Nd4j.createFromArray(0.1, 0.2, 0.3);
            OuterOptimizer opt = optimizer(kind, 0.05, 1.0);
            opt.step(phi, Nd4j.createFromArray(1.0, 2.0, 3.0), 1.0);
            double[] phiBefore = phi.toDoubleVector();
            OuterOptimizer.OptimizerState stateBefore = opt.state();
            double normBefore = opt.lastGradientNorm();
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                assertFalse(opt.step(phi, Nd4j.createFromArray(0.5, bad, 0.5), 1.0));
            }
            assertFalse(opt.step(phi, Nd4j.createFromArray(0.5, 0.5, 0.5), Double.NaN));
            assertEquals(4, opt.refusedSteps());
            assertBitIdentical(phiBefore, phi.toDoubleVector());
            assertEquals(stateBefore.steps(), opt.state().steps());
            assertBitIdentical(stateBefore.firstMoment(), opt.state().firstMoment());
            assertBitIdentical(stateBefore.secondMoment(), opt.state().secondMoment());
            assertEquals(normBefore, opt.lastGradientNorm());
        }
    }

    @Test
    void shouldRefuseAStepThatOverflowsFloat32Phi() {
        INDArray phi = Nd4j.createFromArray(1.0f, 2.0f, 3.0f);
        OuterOptimizer sgd = OuterOptimizer.create(new OuterSettings(1, 1, Optimizer.SGD, 1e30, 0), 3);
        // The gradient is finite, but phi - 1e30 * 1e30 does not fit a float32.
        assertFalse(sgd.step(phi, Nd4j.createFromArray(1e30, 0.0, 0.0), 1.0));
        assertArrayEquals(new float[] {1.0f, 2.0f, 3.0f}, phi.toFloatVector());
        assertEquals(1, sgd.refusedSteps());
        assertEquals(0, sgd.steps());
    }

    @Test
    void shouldContinueIdenticallyAfterRestoringItsState() {
        INDArray phiA = Nd4j.createFromArray(0.5, -0.5, 1.5);
        OuterOptimizer a = optimizer(Optimizer.ADAM, 0.05, 0);
        a.step(phiA, Nd4j.createFromArray(1.0, 2.0, 3.0), 1.0);
        a.step(phiA, Nd4j.createFromArray(-1.0, 0.5, 0.1), 1.0);
        INDArray phiB = phiA.dup();
        OuterOptimizer b = optimizer(Optimizer.ADAM, 0.05, 0);
        b.restore(a.state());
        INDArray g = Nd4j.createFromArray(0.3, -0.2, 0.7);
        a.step(phiA, g, 1.0);
        b.step(phiB, g, 1.0);
        assertBitIdentical(phiA.toDoubleVector(), phiB.toDoubleVector());
        // A fresh optimizer (no restore) takes a different step: the restore mattered.
        INDArray phiC = phiB.dup();
        optimizer(Optimizer.ADAM, 0.05, 0).step(phiC, g, 1.0);
        assertFalse(Arrays.equals(phiA.toDoubleVector(), phiC.toDoubleVector()));
    }

    @Test
    void shouldRejectStateOfAnotherKindOrLength() {
        OuterOptimizer adam = optimizer(Optimizer.ADAM, 0.05, 0);
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                () -> adam.restore(optimizer(Optimizer.SGD, 0.05, 0).state()));
        assertTrue(kind.getMessage().contains("'sgd'") && kind.getMessage().contains("'adam'"), kind.getMessage());
        OuterOptimizer.OptimizerState wrongLength = new OuterOptimizer.OptimizerState("adam", 1, new double[5], new double[5]);
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class, () -> adam.restore(wrongLength));
        assertTrue(length.getMessage().contains("5") && length.getMessage().contains("3"), length.getMessage());
    }

    @Test
    void shouldRejectAGradientOfTheWrongLength() {
        assertThrows(IllegalArgumentException.class,
                () -> optimizer(Optimizer.SGD, 0.1, 0).step(Nd4j.zeros(DataType.DOUBLE, 3), Nd4j.zeros(DataType.DOUBLE, 4), 1));
    }

    private static void assertBitIdentical(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(Double.doubleToRawLongBits(expected[k]), Double.doubleToRawLongBits(actual[k]), "entry " + k);
        }
    }
}
