package dev.metareward.tensors.bilevel.testmodels;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Central finite differences and error measures for float64 gradient checks. */
public final class FiniteDifferences {

    private FiniteDifferences() {
    }

    /** Every coordinate of the gradient of {@code f} at {@code x} by central differences with step {@code h}. */
    public static INDArray gradient(ToDoubleFunction<INDArray> f, INDArray x, double h) {
        INDArray out = Nd4j.zeros(x.dataType(), x.length());
        for (long k = 0; k < x.length(); k++) {
            INDArray plus = x.dup();
            plus.putScalar(k, x.getDouble(k) + h);
            INDArray minus = x.dup();
            minus.putScalar(k, x.getDouble(k) - h);
            out.putScalar(k, (f.applyAsDouble(plus) - f.applyAsDouble(minus)) / (2 * h));
        }
        return out;
    }

    /** (f(x + h u) - f(x - h u)) / (2h): the derivative of {@code f} along {@code u}. */
    public static double directional(ToDoubleFunction<INDArray> f, INDArray x, INDArray u, double h) {
        return (f.applyAsDouble(x.add(u.mul(h))) - f.applyAsDouble(x.sub(u.mul(h)))) / (2 * h);
    }

    /** ||a - b|| / max(||a||, ||b||), 0 when both vanish. */
    public static double relativeError(INDArray a, INDArray b) {
        double scale = Math.max(a.norm2Number().doubleValue(), b.norm2Number().doubleValue());
        return scale == 0 ? 0 : a.sub(b).norm2Number().doubleValue() / scale;
    }

    /** |a - b| / max(|a|, |b|), 0 when both vanish. */
    public static double relativeError(double a, double b) {
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return scale == 0 ? 0 : Math.abs(a - b) / scale;
    }

    /** A random unit vector of {@code length} entries in the data type of {@code like}. */
    public static INDArray randomUnit(long length, INDArray like, SplittableRandom random) {
        double[] u = new double[(int) length];
        double norm = 0;
        for (int k = 0; k < u.length; k++) {
            u[k] = BigramPolicy.gaussian(random);
            norm += u[k] * u[k];
        }
        norm = Math.sqrt(norm);
        for (int k = 0; k < u.length; k++) {
            u[k] /= norm;
        }
        return Nd4j.createFromArray(u).castTo(like.dataType());
    }
}
