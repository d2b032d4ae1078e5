package dev.metareward.tensors.baselines;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * r = 0 for every sample, so every reward weight is equal: reward-weighted fine-tuning with it is plain likelihood
 * fine-tuning, run by the very same inner loop as the meta-test (the control that separates "more fine-tuning on the
 * held-out SFT data" from "fine-tuning re-weighted by phi"). Its phi is one unused entry.
 */
final class UniformReward implements RewardModel {

    static final UniformReward INSTANCE = new UniformReward();

    private UniformReward() {
    }

    @Override
    public long parameterCount() {
        return 1;
    }

    @Override
    public INDArray initialParameters(long seed) {
        return Nd4j.zeros(DataType.DOUBLE, 1);
    }

    @Override
    public INDArray rewards(INDArray phi, TokenBatch batch) {
        return Nd4j.zeros(DataType.DOUBLE, batch.size());
    }

    @Override
    public ValueAndGradient rewardsAndGradient(INDArray phi, TokenBatch batch, double[] weights) {
        return new ValueAndGradient(rewards(phi, batch), Nd4j.zeros(DataType.DOUBLE, 1));
    }
}
