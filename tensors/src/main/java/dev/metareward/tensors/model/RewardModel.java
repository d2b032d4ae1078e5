package dev.metareward.tensors.model;

import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A scalar reward model r_phi(x, y) whose trainable parameters phi are one flat vector. */
public interface RewardModel {

    long parameterCount();

    /** Initial phi for a seed (fresh copy). */
    INDArray initialParameters(long seed);

    /** r_i(phi) for every row, shape [B]. */
    INDArray rewards(INDArray phi, TokenBatch batch);

    /** r_i(phi) and the gradient of sum_i weights[i] * r_i(phi) with respect to phi. */
    ValueAndGradient rewardsAndGradient(INDArray phi, TokenBatch batch, double[] weights);

    /**
     * r_i(phi) and the Jacobian of r with respect to phi: {@code gradient()} is [B, parameterCount()], row i holding
     * d r_i / d phi. This default takes one weighted backward per sample; a model can do all rows in one pass.
     */
    default ValueAndGradient rewardsAndJacobian(INDArray phi, TokenBatch batch) {
        int b = batch.size();
        INDArray rows = Nd4j.create(phi.dataType(), b, parameterCount());
        INDArray values = null;
        for (int i = 0; i < b; i++) {
            double[] oneHot = new double[b];
            oneHot[i] = 1.0;
            ValueAndGradient row = rewardsAndGradient(phi, batch, oneHot);
            values = row.values();
            rows.putRow(i, row.gradient().castTo(phi.dataType()));
        }
        return new ValueAndGradient(values == null ? rewards(phi, batch) : values, rows);
    }
}
