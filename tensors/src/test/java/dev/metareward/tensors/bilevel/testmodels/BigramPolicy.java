package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.ValueAndGradient;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A real (not mocked) softmax bigram policy for tests: the logits of the token at position t are
 * {@code W[token_{t-1}, :] + b}, so theta = (W row-major [V x V], b [V]). Its log-likelihood is smooth with a
 * non-trivial Hessian (the softmax curvature), which is what the hypergradient tests need, and it is small enough
 * for exhaustive finite-difference checks in float64.
 */
public final class BigramPolicy implements PolicyModel {

    private final int vocab;
    private final DataType dtype;
    private final double[] initial;

    /** A policy over {@code vocab} tokens whose theta_0 is N(0, initStd^2) drawn from {@code seed}. */
    public BigramPolicy(int vocab, DataType dtype, long seed, double initStd) {
        this.vocab = vocab;
        this.dtype = dtype;
        this.initial = new double[vocab * vocab + vocab];
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < initial.length; k++) {
            initial[k] = initStd * gaussian(random);
        }
    }

    public int vocab() {
        return vocab;
    }

    @Override
    public long parameterCount() {
        return (long) vocab * vocab + vocab;
    }

    @Override
    public INDArray initialParameters() {
        return Nd4j.createFromArray(initial.clone()).castTo(dtype);
    }

    @Override
    public INDArray sequenceLogProbs(INDArray theta, TokenBatch batch) {
        return forward(theta, batch, null).values();
    }

    @Override
    public ValueAndGradient sequenceLogProbsAndGradient(INDArray theta, TokenBatch batch, double[] weights) {
        if (weights.length != batch.size()) {
            throw new IllegalArgumentException("expected one weight per row (" + batch.size() + ") but got " + weights.length);
        }
        return forward(theta, batch, weights);
    }

    @Override
    public INDArray nextTokenLogits(INDArray theta, TokenBatch prefix) {
        int rows = prefix.size();
        INDArray previous = Nd4j.zeros(dtype, rows, vocab);
        for (int b = 0; b < rows; b++) {
            previous.putScalar(b, prefix.tokens()[b][prefix.lastIndex()[b]], 1.0);
        }
        return previous.mmul(weights(theta)).addiRowVector(bias(theta));
    }

    /** Values F_i and, when {@code weights} is given, the gradient of sum_i weights[i] F_i. */
    private ValueAndGradient forward(INDArray theta, TokenBatch batch, double[] weights) {
        checkLength(theta);
        int rows = batch.size();
        int scoredPositions = 0;
        for (int b = 0; b < rows; b++) {
            scoredPositions += batch.scoredCount(b);
        }
        INDArray values = Nd4j.zeros(dtype, rows);
        INDArray gradient = Nd4j.zeros(dtype, parameterCount());
        if (scoredPositions == 0) {
            return new ValueAndGradient(values, gradient);
        }
        // One row per scored position: one-hot of the previous token, one-hot of the target, its sequence.
        INDArray previous = Nd4j.zeros(dtype, scoredPositions, vocab);
        INDArray target = Nd4j.zeros(dtype, scoredPositions, vocab);
        INDArray membership = Nd4j.zeros(dtype, rows, scoredPositions);
        double[] rowWeight = new double[scoredPositions];
        int n = 0;
        for (int b = 0; b < rows; b++) {
            for (int t = 1; t < batch.length(); t++) {
                if (batch.scored()[b][t]) {
                    previous.putScalar(n, batch.tokens()[b][t - 1], 1.0);
                    target.putScalar(n, batch.tokens()[b][t], 1.0);
                    membership.putScalar(b, n, 1.0);
                    rowWeight[n] = weights == null ? 0.0 : weights[b];
                    n++;
                }
            }
        }
        INDArray logits = previous.mmul(weights(theta)).addiRowVector(bias(theta));
        INDArray max = logits.max(1).reshape(scoredPositions, 1);
        INDArray shifted = logits.subColumnVector(max);
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(1), false)
                .reshape(scoredPositions, 1).addi(max);
        INDArray targetLogProb = logits.mul(target).sum(1).reshape(scoredPositions, 1).subi(logSumExp);
        values = membership.mmul(targetLogProb).reshape(rows);
        if (weights != null) {
            INDArray softmax = Transforms.exp(logits.subColumnVector(logSumExp), false);
            INDArray delta = target.sub(softmax)
                    .muliColumnVector(Nd4j.createFromArray(rowWeight).castTo(dtype).reshape(scoredPositions, 1));
            INDArray gradW = previous.transpose().mmul(delta);
            INDArray gradB = delta.sum(0);
            gradient = Nd4j.concat(0, gradW.reshape(vocab * vocab), gradB.reshape(vocab));
        }
        return new ValueAndGradient(values, gradient);
    }

    private INDArray weights(INDArray theta) {
        return theta.get(NDArrayIndex.interval(0, vocab * vocab)).dup().reshape(vocab, vocab);
    }

    private INDArray bias(INDArray theta) {
        return theta.get(NDArrayIndex.interval(vocab * vocab, vocab * vocab + vocab)).dup();
    }

    private void checkLength(INDArray theta) {
        if (theta.length() != parameterCount()) {
            throw new IllegalArgumentException("theta has " + theta.length() + " entries, expected " + parameterCount());
        }
    }

    static double gaussian(SplittableRandom random) {
        // Box-Muller from two uniforms, so theta_0 depends only on the seed (not on ND4J's global RNG).
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
