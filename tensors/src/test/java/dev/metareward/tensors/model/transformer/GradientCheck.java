package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Central finite differences of a scalar function of a flat float64 vector against an analytic gradient.
 *
 * <p>Tolerance: with h = 1e-5 the truncation error of a central difference is O(h^2 f''') ~ 1e-10 and the rounding
 * error O(eps |f| / h) ~ 1e-10 for |f| ~ 10, so a correct gradient agrees to ~1e-8 relative; 1e-6 relative (plus
 * 1e-9 absolute for derivatives that are nearly zero) leaves margin while any real mistake (a missing term, a wrong
 * sign, a transposed matrix) shows up as an error of order 1e-2 or more.
 */
final class GradientCheck {

    static final double H = 1e-5;
    static final double RELATIVE = 1e-6;
    static final double ABSOLUTE = 1e-9;

    private GradientCheck() {
    }

    /** Checks {@code count} random unit directions. */
    static void directions(ToDoubleFunction<INDArray> f, INDArray x, INDArray gradient, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < count; c++) {
            INDArray u = x.like();
            for (long i = 0; i < u.length(); i++) {
                u.putScalar(i, random.nextGaussian());
            }
            u.divi(u.norm2Number());
            check("direction " + c, f, x, u, gradient.mul(u).sumNumber().doubleValue());
        }
    }

    /** Checks single coordinates: the first, the last and {@code random} random ones of [offset, offset + length). */
    static void coordinates(ToDoubleFunction<INDArray> f, INDArray x, INDArray gradient, String group, long offset,
                            long length, int random, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Long> picks = new ArrayList<>(List.of(offset, offset + length - 1));
        for (int i = 0; i < random; i++) {
            picks.add(offset + rng.nextLong(length));
        }
        for (long i : picks) {
            INDArray u = x.like();
            u.putScalar(i, 1.0);
            check(group + "[" + (i - offset) + "]", f, x, u, gradient.getDouble(i));
        }
    }

    private static void check(String what, ToDoubleFunction<INDArray> f, INDArray x, INDArray u, double analytic) {
        double plus = f.applyAsDouble(x.add(u.mul(H)));
        double minus = f.applyAsDouble(x.sub(u.mul(H)));
        double numeric = (plus - minus) / (2 * H);
        double error = Math.abs(numeric - analytic);
        double allowed = RELATIVE * Math.max(Math.abs(numeric), Math.abs(analytic)) + ABSOLUTE;
        assertTrue(error <= allowed, what + ": analytic " + analytic + " vs finite difference " + numeric
                + " (error " + error + ", allowed " + allowed + ")");
    }
}
