package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The reward model r_phi: the frozen base with its own LoRA on the query and value projections of every layer and
 * a scalar value head (weight [d] + bias) on the final-LayerNorm hidden state of the last non-PAD token
 * ({@link TokenBatch#lastIndex()}). phi is one flat vector laid out as {@link #parameterGroups()}.
 *
 * <p>{@code initialParameters(seed)}: LoRA A ~ N(0, 1/d), LoRA B = 0, value weight ~ N(0, init-std), bias 0.
 */
public final class LoraReward implements RewardModel {

    private final TransformerModel model;
    private final TransformerEngine engine;
    private final AdapterLayout layout;

    LoraReward(TransformerModel model) {
        this.model = model;
        this.engine = model.engine();
        this.layout = AdapterLayout.reward(model.shape());
    }

    @Override
    public long parameterCount() {
        return layout.size;
    }

    /** Names, offsets and lengths of the parts of phi, in order. */
    public List<ParameterGroup> parameterGroups() {
        return List.of(ParameterGroup.of(layout, model.shape(), "valueHead"));
    }

    @Override
    public INDArray initialParameters(long seed) {
        double[] phi = new double[Math.toIntExact(layout.size)];
        SplittableRandom random = new SplittableRandom(seed);
        LoraPolicy.fillLoraA(phi, layout, model.shape(), random);
        TransformerModel.gaussian(phi, layout.headWeight, model.shape().dModel(), model.initStd(), random);
        return model.vector(phi);
    }

    @Override
    public INDArray rewards(INDArray phi, TokenBatch batch) {
        return run(phi, batch, null).values();
    }

    @Override
    public ValueAndGradient rewardsAndGradient(INDArray phi, TokenBatch batch, double[] weights) {
        if (weights == null || weights.length != batch.size()) {
            throw new IllegalArgumentException("expected one weight per sample (" + batch.size() + ") but got "
                    + (weights == null ? "none" : weights.length));
        }
        return run(phi, batch, weights);
    }

    /**
     * In one pass over the batch: every sample's gradient kept apart (the weighted backward with each sample's LoRA and
     * value-head gradient sums split by sample), [B, |phi|].
     */
    @Override
    public ValueAndGradient rewardsAndJacobian(INDArray phiArray, TokenBatch batch) {
        NativeBuf phi = phi(phiArray);
        double[] ones = new double[batch.size()];
        Arrays.fill(ones, 1.0);
        ValueAndGradient flat = model.perSampleRowsCall(batch, ones, layout.size, (e, rows, rowWeights, gradients) ->
                runRange(e, phi, rows, rowWeights, gradients, layout.size));
        return new ValueAndGradient(flat.values(), flat.gradient().reshape(batch.size(), layout.size));
    }

    private ValueAndGradient run(INDArray phiArray, TokenBatch batch, double[] weights) {
        NativeBuf phi = phi(phiArray);
        return model.perSampleCall(batch, weights, (e, rows, rowWeights, gradients) -> runRange(e, phi, rows,
                rowWeights, gradients, 0));
    }

    private NativeBuf phi(INDArray phiArray) {
        if (phiArray == null || phiArray.length() != layout.size) {
            throw new IllegalArgumentException("reward parameters must have " + layout.size + " entries but had "
                    + (phiArray == null ? "none" : phiArray.length()));
        }
        return NativeBuf.wrap(phiArray, model.dataType());
    }

    /** {@code sampleStride}: 0 for the weighted sum's gradient, {@code |phi|} for one gradient row per sample. */
    private TransformerModel.Part runRange(TransformerEngine e, NativeBuf phi, TokenBatch batch, double[] weights,
                                           TransformerModel.GradientBuffers gradients, long sampleStride) {
        Activations a = e.activations(batch.size());
        int[] last = TargetRows.last(batch).row();
        NativeBuf grad = null;
        // Only the last non-PAD row of each sample is read: the last block runs for those rows alone, both ways.
        e.forwardLastRows(a, batch.tokens(), phi, layout, last);
        if (weights != null) {
            grad = gradients.of(e, sampleStride == 0 ? layout.size : batch.size() * sampleStride);
        }
        e.valueHead(a, a.lastRows().hidden, TargetRows.identity(last.length), phi, layout.headWeight, layout.headBias, weights,
                grad, layout.headWeight, layout.headBias, sampleStride);
        if (grad != null) {
            e.backwardLastRows(a, batch.tokens(), last, phi, layout, grad, sampleStride);
        }
        return new TransformerModel.Part(e.headValues(a, batch.size()), grad);
    }
}
