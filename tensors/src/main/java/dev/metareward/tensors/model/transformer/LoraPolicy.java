package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The policy pi_theta: the frozen base with LoRA (rank r, scale s) on the query and value projections of every layer
 * and its own LM head (weight [d, vocab] + bias). theta is one flat vector laid out as
 * {@link #parameterGroups()}; the model reads its matrices in place (no copies of theta).
 *
 * <p>theta_0 = (LoRA A ~ N(0, 1/d) from the model seed, LoRA B = 0, LM head = the base LM head at the time of the
 * call), so the policy at theta_0 is exactly the base model.
 */
public final class LoraPolicy implements PolicyModel {

    private static final long LORA_SEED_PURPOSE = 1;

    private final TransformerModel model;
    private final TransformerEngine engine;
    private final AdapterLayout layout;

    LoraPolicy(TransformerModel model) {
        this.model = model;
        this.engine = model.engine();
        this.layout = AdapterLayout.policy(model.shape());
    }

    @Override
    public long parameterCount() {
        return layout.size;
    }

    /** Names, offsets and lengths of the parts of theta, in order. */
    public List<ParameterGroup> parameterGroups() {
        return List.of(ParameterGroup.of(layout, model.shape(), "lmHead"));
    }

    @Override
    public INDArray initialParameters() {
        double[] host = new double[Math.toIntExact(layout.size)];
        SplittableRandom random = new SplittableRandom(TransformerModel.derivedSeed(model.seed(), LORA_SEED_PURPOSE));
        fillLoraA(host, layout, model.shape(), random);
        NativeBuf theta = NativeBuf.zeros(model.dataType(), layout.size);
        theta.array.assign(model.vector(host));
        BaseLayout base = engine.layout;
        engine.ops.copy(engine.base, base.headWeight, theta, layout.headWeight, base.size - base.headWeight);
        return theta.array;
    }

    @Override
    public INDArray sequenceLogProbs(INDArray theta, TokenBatch batch) {
        return run(theta, batch, null).values();
    }

    @Override
    public ValueAndGradient sequenceLogProbsAndGradient(INDArray theta, TokenBatch batch, double[] weights) {
        if (weights == null || weights.length != batch.size()) {
            throw new IllegalArgumentException("expected one weight per sample (" + batch.size() + ") but got "
                    + (weights == null ? "none" : weights.length));
        }
        return run(theta, batch, weights);
    }

    @Override
    public INDArray nextTokenLogits(INDArray theta, TokenBatch prefix) {
        NativeBuf params = parameters(theta);
        engine.validate(prefix);
        Activations a = engine.activations(prefix.size());
        engine.forward(a, prefix.tokens(), params, layout);
        return model.copyLogits(a, TargetRows.last(prefix), params, layout.headWeight, layout.headBias);
    }

    private ValueAndGradient run(INDArray theta, TokenBatch batch, double[] weights) {
        NativeBuf params = parameters(theta);
        return model.perSampleCall(batch, weights, (e, rows, rowWeights, gradients) -> runRange(e, params, rows,
                rowWeights, gradients));
    }

    private TransformerModel.Part runRange(TransformerEngine e, NativeBuf params, TokenBatch batch, double[] weights,
                                           TransformerModel.GradientBuffers gradients) {
        Activations a = e.activations(batch.size());
        TargetRows scored = TargetRows.scored(batch);
        e.forwardRows(a, batch.tokens(), params, layout, scored.row());
        TargetRows rows = scored.compacted();
        NativeBuf grad = null;
        double[] rowWeights = null;
        if (weights != null) {
            grad = gradients.of(e, layout.size);
            rowWeights = new double[rows.count()];
            for (int i = 0; i < rows.count(); i++) {
                rowWeights[i] = weights[rows.sample()[i]];
            }
        }
        e.lmHead(a, rows, params, layout.headWeight, layout.headBias, rowWeights, grad, layout.headWeight,
                layout.headBias);
        if (grad != null) {
            e.backwardRows(a, batch.tokens(), scored.row(), params, layout, grad);
        }
        return new TransformerModel.Part(
                TransformerModel.perSampleValues(rows, e.rowValues(a, rows.count()), batch.size()), grad);
    }

    private NativeBuf parameters(INDArray theta) {
        if (theta == null || theta.length() != layout.size) {
            throw new IllegalArgumentException("policy parameters must have " + layout.size + " entries but had "
                    + (theta == null ? "none" : theta.length()));
        }
        return NativeBuf.wrap(theta, model.dataType());
    }

    static void fillLoraA(double[] params, AdapterLayout layout, ModelShape shape, SplittableRandom random) {
        double std = 1.0 / Math.sqrt(shape.dModel());
        for (int l = 0; l < shape.layers(); l++) {
            TransformerModel.gaussian(params, layout.loraA[l], 2L * shape.loraRank() * shape.dModel(), std, random);
        }
    }
}
