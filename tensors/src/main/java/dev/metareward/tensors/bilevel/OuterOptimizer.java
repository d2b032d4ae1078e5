package dev.metareward.tensors.bilevel;

import dev.metareward.config.OuterSettings;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outer optimizer of phi (SGD or Adam) with gradient-norm clipping; never applies a non-finite step.
 *
 * <p>Per step: the gradient is clipped to global L2 norm {@code clipNorm} (0 = off), then SGD does
 * phi -= eta * stepScale * g and Adam (beta1 0.9, beta2 0.999, epsilon 1e-8, bias-corrected) does
 * phi -= eta * stepScale * m_hat / (sqrt(v_hat) + epsilon). {@code stepScale} multiplies the learning rate rather
 * than the gradient: for SGD that is the same, for Adam a scaled gradient would mostly be normalised away and
 * a stale contribution would not be damped. Moments are kept in float64 whatever the dtype of phi. The candidate
 * phi and moments are computed aside and committed only when all of them are finite. Not thread-safe (one owner).
 */
public final class OuterOptimizer {

    private static final Logger LOG = LoggerFactory.getLogger(OuterOptimizer.class);

    /** Adam's first-moment decay. */
    public static final double ADAM_BETA1 = 0.9;
    /** Adam's second-moment decay. */
    public static final double ADAM_BETA2 = 0.999;
    /** Adam's denominator guard. */
    public static final double ADAM_EPSILON = 1e-8;

    private final OuterSettings.Optimizer kind;
    private final double learningRate;
    private final double clipNorm;
    private final long parameterCount;
    private long steps;
    private long refused;
    private long clipped;
    private double lastGradientNorm = Double.NaN;
    private INDArray firstMoment;
    private INDArray secondMoment;

    private OuterOptimizer(OuterSettings.Optimizer kind, double learningRate, double clipNorm, long parameterCount) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate) || !(clipNorm >= 0) || parameterCount < 1) {
            throw new IllegalArgumentException("outer optimizer needs learning rate > 0, clip norm >= 0 and at least one "
                    + "parameter but got learning rate " + learningRate + ", clip norm " + clipNorm + ", "
                    + parameterCount + " parameters");
        }
        this.kind = kind;
        this.learningRate = learningRate;
        this.clipNorm = clipNorm;
        this.parameterCount = parameterCount;
        if (kind == OuterSettings.Optimizer.ADAM) {
            firstMoment = Nd4j.zeros(DataType.DOUBLE, parameterCount);
            secondMoment = Nd4j.zeros(DataType.DOUBLE, parameterCount);
        }
    }

    public static OuterOptimizer create(OuterSettings settings, long parameterCount) {
        return new OuterOptimizer(settings.optimizer(), settings.learningRate(), settings.clipNorm(), parameterCount);
    }

    /**
     * Updates {@code phi} in place with {@code gradient}, the step scaled by {@code stepScale} (1 normally,
     * 1/(1+staleness) in async mode; it multiplies this step's learning rate, see the class comment). Returns false and leaves phi and the optimizer state bit-for-bit unchanged when the gradient or
     * the resulting step is non-finite; such refusals are counted.
     *
     * @throws IllegalArgumentException when phi or the gradient has the wrong length or stepScale is negative
     */
    public boolean step(INDArray phi, INDArray gradient, double stepScale) {
        if (phi.length() != parameterCount || gradient.length() != parameterCount) {
            throw new IllegalArgumentException("the outer optimizer was built for " + parameterCount + " parameters but "
                    + "got phi of length " + phi.length() + " and a gradient of length " + gradient.length());
        }
        if (stepScale < 0) {
            throw new IllegalArgumentException("stepScale must be >= 0 but was " + stepScale);
        }
        INDArray g = gradient.castTo(DataType.DOUBLE).dup().reshape(parameterCount);
        if (!allFinite(g) || !Double.isFinite(stepScale)) {
            return refuse("the gradient holds NaN or infinite entries (or stepScale " + stepScale + " is not finite)");
        }
        double norm = g.norm2Number().doubleValue();
        if (clipNorm > 0 && norm > clipNorm) {
            g.muli(clipNorm / norm);
        }
        long t = steps + 1;
        double rate = learningRate * stepScale;
        INDArray update;
        INDArray newFirst = null;
        INDArray newSecond = null;
        if (kind == OuterSettings.Optimizer.SGD) {
            update = g.mul(rate);
        } else {
            newFirst = firstMoment.mul(ADAM_BETA1).addi(g.mul(1 - ADAM_BETA1));
            newSecond = secondMoment.mul(ADAM_BETA2).addi(g.mul(g).muli(1 - ADAM_BETA2));
            INDArray firstHat = newFirst.div(1 - Math.pow(ADAM_BETA1, t));
            INDArray secondHat = newSecond.div(1 - Math.pow(ADAM_BETA2, t));
            update = firstHat.divi(Transforms.sqrt(secondHat, false).addi(ADAM_EPSILON)).muli(rate);
        }
        INDArray candidate = phi.castTo(DataType.DOUBLE).dup().reshape(parameterCount).subi(update).castTo(phi.dataType());
        if (!allFinite(candidate) || (newSecond != null && !(allFinite(newFirst) && allFinite(newSecond)))) {
            return refuse("the step would make phi or the Adam moments non-finite (gradient norm " + norm + ")");
        }
        phi.assign(candidate.reshape(phi.shape()));
        firstMoment = newFirst;
        secondMoment = newSecond;
        steps = t;
        lastGradientNorm = norm;
        if (clipNorm > 0 && norm > clipNorm) {
            clipped++;
        }
        return true;
    }

    /** Steps refused because the gradient or the step was non-finite. */
    public long refusedSteps() {
        return refused;
    }

    /** Applied steps whose gradient was clipped. */
    public long clippedSteps() {
        return clipped;
    }

    /** Applied steps. */
    public long steps() {
        return steps;
    }

    /** L2 norm of the last applied gradient before clipping (NaN before the first step). */
    public double lastGradientNorm() {
        return lastGradientNorm;
    }

    /** Snapshot of the optimizer state for checkpoints. */
    public OptimizerState state() {
        if (kind == OuterSettings.Optimizer.SGD) {
            return new OptimizerState("sgd", steps, new double[0], new double[0]);
        }
        return new OptimizerState("adam", steps, firstMoment.toDoubleVector(), secondMoment.toDoubleVector());
    }

    /**
     * Restores a snapshot taken by {@link #state()} (e.g. from a checkpoint).
     *
     * @throws IllegalArgumentException when the snapshot is of another optimizer kind or parameter count
     */
    public void restore(OptimizerState state) {
        String expected = kind == OuterSettings.Optimizer.SGD ? "sgd" : "adam";
        if (!expected.equals(state.kind())) {
            throw new IllegalArgumentException("the checkpoint holds the state of a '" + state.kind() + "' optimizer but "
                    + "outer.optimizer is '" + expected + "'; resume with the optimizer the run was started with");
        }
        long moments = kind == OuterSettings.Optimizer.SGD ? 0 : parameterCount;
        if (state.firstMoment().length != moments || state.secondMoment().length != moments || state.steps() < 0) {
            throw new IllegalArgumentException("the optimizer state has moments of length " + state.firstMoment().length
                    + " and " + state.secondMoment().length + " (steps " + state.steps() + ") but this " + expected
                    + " optimizer expects " + moments + " for " + parameterCount + " parameters");
        }
        steps = state.steps();
        if (moments > 0) {
            firstMoment = Nd4j.createFromArray(state.firstMoment().clone());
            secondMoment = Nd4j.createFromArray(state.secondMoment().clone());
        }
    }

    /** Serializable optimizer state: kind ("sgd"/"adam"), steps taken, Adam moments (empty for SGD). */
    public record OptimizerState(String kind, long steps, double[] firstMoment, double[] secondMoment) {
    }

    private boolean refuse(String why) {
        refused++;
        LOG.warn("outer step refused ({} so far): {}; phi left unchanged", refused, why);
        return false;
    }

    /** True when no entry is NaN or infinite: x - x is 0 for finite x and NaN otherwise, and NaN survives the sum. */
    static boolean allFinite(INDArray x) {
        double s = x.sub(x).sumNumber().doubleValue();
        return s == 0.0;
    }
}
