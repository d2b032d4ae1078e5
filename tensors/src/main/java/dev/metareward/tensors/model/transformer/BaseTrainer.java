package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Arrays;
import java.util.List;

/**
 * MLE warm start of ALL base weights with Adam (beta1 0.9, beta2 0.999, eps 1e-8).
 *
 * <p>Objective: mean next-token cross entropy over every non-PAD target, i.e. positions 1..lastIndex of every row
 * (prompt, response and EOS tokens alike). Prompt tokens are included on purpose: the warm start teaches the base
 * the language of all domains, and the prompts are half of that text; the policy objective F (scored tokens only)
 * is what fine-tuning optimises later.
 */
public final class BaseTrainer {

    private final TransformerModel model;
    private final TransformerEngine engine;
    private final NativeBuf gradient;
    private final GradientUpdater<?> adam;
    private int steps;

    BaseTrainer(TransformerModel model, double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("base learning rate must be positive and finite, got " + learningRate);
        }
        this.model = model;
        this.engine = model.engine();
        this.gradient = NativeBuf.zeros(model.dataType(), engine.layout.size);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray state = Nd4j.create(model.dataType(), 1, 2 * engine.layout.size);
            this.adam = new Adam(learningRate).instantiate(state, true);
        }
    }

    /** One Adam step on {@code batch}; returns the mean cross entropy (nats per token) before the update. */
    public double step(TokenBatch batch) {
        double loss = lossAndGradientInto(batch, gradient);
        INDArray update = gradient.array.reshape(1, engine.layout.size);
        adam.applyUpdater(update, steps, 0);
        engine.base.array.subi(gradient.array);
        steps++;
        return loss;
    }

    /** Mean cross entropy of {@code batch} without changing the model. */
    public double loss(TokenBatch batch) {
        return meanNegative(perRow(batch, null));
    }

    /** The mean cross entropy of {@code batch} (as a one-element vector) and its gradient for every base weight. */
    public ValueAndGradient lossAndGradient(TokenBatch batch) {
        NativeBuf grad = NativeBuf.zeros(model.dataType(), engine.layout.size);
        double loss = lossAndGradientInto(batch, grad);
        return new ValueAndGradient(model.vector(new double[] {loss}), grad.array);
    }

    /** Adam steps taken so far. */
    public int steps() {
        return steps;
    }

    private double lossAndGradientInto(TokenBatch batch, NativeBuf grad) {
        grad.array.assign(0);
        return meanNegative(perRow(batch, grad));
    }

    /**
     * log pi of every non-PAD target of {@code batch} on the model's row ranges, in row order. With {@code grad}
     * (zeroed by the caller), also the gradient of the mean cross entropy over all of them, added into it.
     */
    private double[] perRow(TokenBatch batch, NativeBuf grad) {
        engine.validate(batch);
        int targets = TargetRows.allNonPad(batch).count();
        if (targets == 0) {
            throw new IllegalArgumentException("batch of " + batch.size() + " rows has no target token (every lastIndex "
                    + "is 0)");
        }
        List<TransformerModel.Part> parts = model.shards().map(batch.size(), (range, e, from, to) -> {
            TokenBatch rows = TransformerModel.rowsOf(batch, from, to);
            Activations a = e.activations(rows.size());
            e.forward(a, rows.tokens(), null, null);
            TargetRows targetRows = TargetRows.allNonPad(rows);
            BaseLayout layout = e.layout;
            NativeBuf g = null;
            double[] rowWeights = null;
            if (grad != null) {
                g = range == 0 ? grad : e.scratchGradient(grad.length);
                rowWeights = new double[targetRows.count()];
                Arrays.fill(rowWeights, -1.0 / targets);
            }
            e.lmHead(a, targetRows, e.base, layout.headWeight, layout.headBias, rowWeights, g, layout.headWeight,
                    layout.headBias);
            if (g != null) {
                e.backwardBase(a, rows.tokens(), g);
            }
            return new TransformerModel.Part(e.rowValues(a, targetRows.count()), g);
        });
        model.sumGradients(parts);
        return TransformerModel.joinValues(parts);
    }

    private static double meanNegative(double[] perRow) {
        double sum = 0;
        for (double v : perRow) {
            sum -= v;
        }
        return sum / perRow.length;
    }
}
