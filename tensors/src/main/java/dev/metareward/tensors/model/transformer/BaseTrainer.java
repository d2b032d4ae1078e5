package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

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
        engine.validate(batch);
        Activations a = engine.activations(batch.size());
        engine.forward(a, batch.tokens(), null, null);
        TargetRows rows = TargetRows.allNonPad(batch);
        engine.lmHead(a, rows, engine.base, engine.layout.headWeight, engine.layout.headBias, null, null, 0, 0);
        return meanNegative(engine.rowValues(a, rows.count()), batch);
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
        engine.validate(batch);
        Activations a = engine.activations(batch.size());
        engine.forward(a, batch.tokens(), null, null);
        TargetRows rows = TargetRows.allNonPad(batch);
        double[] rowWeights = new double[rows.count()];
        java.util.Arrays.fill(rowWeights, -1.0 / Math.max(1, rows.count()));
        grad.array.assign(0);
        BaseLayout layout = engine.layout;
        engine.lmHead(a, rows, engine.base, layout.headWeight, layout.headBias, rowWeights, grad, layout.headWeight,
                layout.headBias);
        engine.backward(a, batch.tokens(), null, null, null, grad);
        return meanNegative(engine.rowValues(a, rows.count()), batch);
    }

    private static double meanNegative(double[] perRow, TokenBatch batch) {
        if (perRow.length == 0) {
            throw new IllegalArgumentException("batch of " + batch.size() + " rows has no target token (every lastIndex is 0)");
        }
        double sum = 0;
        for (double v : perRow) {
            sum -= v;
        }
        return sum / perRow.length;
    }
}
