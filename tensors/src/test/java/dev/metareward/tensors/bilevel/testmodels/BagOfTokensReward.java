package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A real (not mocked) reward model for tests: r(x, y) = u . tanh(A c + a) + u0, where c is the vector of token
 * frequencies of the row (positions 0..lastIndex, prompt and response) so phi = (A [H x V] row-major, a [H], u [H],
 * u0). The tanh makes r non-linear in phi, so grad_phi r depends on phi and bugs in the weighting of the final
 * reward backward cannot hide behind linearity.
 */
public final class BagOfTokensReward implements RewardModel {

    private final int vocab;
    private final int hidden;
    private final DataType dtype;
    private final double initStd;

    public BagOfTokensReward(int vocab, int hidden, DataType dtype, double initStd) {
        this.vocab = vocab;
        this.hidden = hidden;
        this.dtype = dtype;
        this.initStd = initStd;
    }

    @Override
    public long parameterCount() {
        return (long) hidden * vocab + 2L * hidden + 1;
    }

    @Override
    public INDArray initialParameters(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] phi = new double[(int) parameterCount()];
        for (int k = 0; k < phi.length; k++) {
            phi[k] = initStd * BigramPolicy.gaussian(random);
        }
        return Nd4j.createFromArray(phi).castTo(dtype);
    }

    @Override
    public INDArray rewards(INDArray phi, TokenBatch batch) {
        return forward(phi, batch, null).values();
    }

    @Override
    public ValueAndGradient rewardsAndGradient(INDArray phi, TokenBatch batch, double[] weights) {
        if (weights.length != batch.size()) {
            throw new IllegalArgumentException("expected one weight per row (" + batch.size() + ") but got " + weights.length);
        }
        return forward(phi, batch, weights);
    }

    private ValueAndGradient forward(INDArray phi, TokenBatch batch, double[] weights) {
        if (phi.length() != parameterCount()) {
            throw new IllegalArgumentException("phi has " + phi.length() + " entries, expected " + parameterCount());
        }
        int rows = batch.size();
        INDArray frequencies = Nd4j.zeros(dtype, rows, vocab);
        for (int b = 0; b < rows; b++) {
            int last = batch.lastIndex()[b];
            for (int t = 0; t <= last; t++) {
                int token = batch.tokens()[b][t];
                frequencies.putScalar(b, token, frequencies.getDouble(b, token) + 1.0 / (last + 1));
            }
        }
        int aEnd = hidden * vocab;
        INDArray a = phi.get(NDArrayIndex.interval(0, aEnd)).dup().reshape(hidden, vocab);
        INDArray aBias = phi.get(NDArrayIndex.interval(aEnd, aEnd + hidden)).dup();
        INDArray u = phi.get(NDArrayIndex.interval(aEnd + hidden, aEnd + 2 * hidden)).dup().reshape(hidden, 1);
        double u0 = phi.getDouble(aEnd + 2 * hidden);
        INDArray features = Transforms.tanh(frequencies.mmul(a.transpose()).addiRowVector(aBias), false);
        INDArray values = features.mmul(u).reshape(rows).addi(u0);
        INDArray gradient = Nd4j.zeros(dtype, parameterCount());
        if (weights != null) {
            INDArray w = Nd4j.createFromArray(weights).castTo(dtype).reshape(rows, 1);
            INDArray gradU = features.transpose().mmul(w).reshape(hidden);
            // d r / d pre-activation = u * (1 - tanh^2), weighted per row.
            INDArray slope = features.mul(features).rsubi(1.0).muliRowVector(u.reshape(hidden)).muliColumnVector(w);
            INDArray gradA = slope.transpose().mmul(frequencies).reshape(aEnd);
            INDArray gradABias = slope.sum(0).reshape(hidden);
            INDArray gradU0 = w.sum().reshape(1);
            gradient = Nd4j.concat(0, gradA, gradABias, gradU, gradU0);
        }
        return new ValueAndGradient(values, gradient);
    }
}
