package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers of the engine parity tests: the error measure and the parameter jitter shared by both packages' tests. */
public final class EngineParity {

    private static final Logger LOG = LoggerFactory.getLogger(EngineParity.class);

    private EngineParity() {
    }

    /** Logs and asserts {@code maxRelativeError(device, cpu) <= tolerance} for the quantity {@code what}. */
    public static void assertClose(String what, INDArray device, INDArray cpu, double tolerance) {
        double error = maxRelativeError(device, cpu);
        LOG.info("{} {}: device vs CPU engine, max relative error {}", cpu.dataType(), what, error);
        assertTrue(error <= tolerance, cpu.dataType() + " " + what + ": max relative error " + error + " > "
                + tolerance);
    }

    /**
     * max_i |actual_i - expected_i| / max_i |expected_i|: the largest element error relative to the largest element,
     * stricter than a norm ratio (one wrong element of a long vector cannot hide in the norm).
     */
    public static double maxRelativeError(INDArray actual, INDArray expected) {
        if (!java.util.Arrays.equals(actual.shape(), expected.shape())) {
            throw new AssertionError("shapes differ: " + java.util.Arrays.toString(actual.shape()) + " and "
                    + java.util.Arrays.toString(expected.shape()));
        }
        double scale = Transforms.abs(expected.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).maxNumber()
                .doubleValue();
        if (!(scale > 0)) {
            throw new AssertionError("the reference is zero (or not finite): a parity check against it proves nothing");
        }
        INDArray diff = actual.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .sub(expected.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        return Transforms.abs(diff).maxNumber().doubleValue() / scale;
    }

    /** {@code params} with every entry moved by N(0, std^2) from {@code seed}. */
    public static INDArray jitter(INDArray params, double std, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        INDArray out = params.dup();
        for (long i = 0; i < out.length(); i++) {
            out.putScalar(i, out.getDouble(i) + std * random.nextGaussian());
        }
        return out;
    }
}
