package dev.metareward.tensors.model.transformer;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written backward passes against central finite differences in float64 (see {@link GradientCheck}). */
class TransformerGradientTest {

    private final TransformerModel model = newModel();
    private final TokenBatch batch = TinyModels.batch(3, 5);
    private final double[] weights = {0.7, -1.3, 2.1};

    /** The model under test: the default engine here, overridden by the device engine's subclass. */
    TransformerModel newModel() {
        return TinyModels.model(DataType.DOUBLE, 11);
    }

    @Test
    void shouldMatchFiniteDifferencesForPolicyGradient() {
        LoraPolicy policy = model.policy();
        INDArray theta = TinyModels.jitter(policy.initialParameters(), 0.2, 3);
        ValueAndGradient vg = policy.sequenceLogProbsAndGradient(theta, batch, weights);
        assertEquals(TinyModels.weightedSum(policy.sequenceLogProbs(theta, batch), weights),
                TinyModels.weightedSum(vg.values(), weights), 1e-12);
        var f = (java.util.function.ToDoubleFunction<INDArray>) th ->
                TinyModels.weightedSum(policy.sequenceLogProbs(th, batch), weights);
        GradientCheck.directions(f, theta, vg.gradient(), 6, 17);
        for (ParameterGroup g : policy.parameterGroups()) {
            GradientCheck.coordinates(f, theta, vg.gradient(), g.name(), g.offset(), g.length(), 3, 23);
        }
    }

    @Test
    void shouldMatchFiniteDifferencesForRewardGradient() {
        LoraReward reward = model.reward();
        INDArray phi = TinyModels.jitter(reward.initialParameters(9), 0.2, 4);
        ValueAndGradient vg = reward.rewardsAndGradient(phi, batch, weights);
        var f = (java.util.function.ToDoubleFunction<INDArray>) p ->
                TinyModels.weightedSum(reward.rewards(p, batch), weights);
        GradientCheck.directions(f, phi, vg.gradient(), 6, 19);
        for (ParameterGroup g : reward.parameterGroups()) {
            GradientCheck.coordinates(f, phi, vg.gradient(), g.name(), g.offset(), g.length(), 3, 29);
        }
    }

    @Test
    void shouldMatchFiniteDifferencesForBaseGradient() {
        BaseTrainer trainer = model.baseTrainer(1e-3);
        INDArray base = model.baseParameters();
        INDArray saved = base.dup();
        ValueAndGradient vg = trainer.lossAndGradient(batch);
        var f = (java.util.function.ToDoubleFunction<INDArray>) x -> {
            base.assign(x);
            return trainer.loss(batch);
        };
        try {
            GradientCheck.directions(f, saved, vg.gradient(), 6, 31);
            BaseLayout layout = new BaseLayout(model.shape());
            BaseLayout.Block b0 = layout.blocks[0];
            long d = model.shape().dModel();
            long[][] groups = {
                    {layout.tokenEmbedding, (long) model.shape().vocab() * d},
                    {layout.positionEmbedding, model.shape().context() * d},
                    {b0.ln1Gain(), d}, {b0.ln1Bias(), d}, {b0.qkvWeight(), 3 * d * d}, {b0.qkvBias(), 3 * d},
                    {b0.outWeight(), d * d}, {b0.outBias(), d}, {b0.ln2Gain(), d}, {b0.ln2Bias(), d},
                    {b0.fc1Weight(), d * model.shape().dFf()}, {b0.fc1Bias(), model.shape().dFf()},
                    {b0.fc2Weight(), d * model.shape().dFf()}, {b0.fc2Bias(), d},
                    {layout.finalGain, d}, {layout.finalBias, d},
                    {layout.headWeight, d * model.shape().vocab()}, {layout.headBias, model.shape().vocab()}};
            for (long[] g : groups) {
                GradientCheck.coordinates(f, saved, vg.gradient(), "base@" + g[0], g[0], g[1], 2, 37 + g[0]);
            }
        } finally {
            base.assign(saved);
        }
    }

    @Test
    void shouldGiveZeroGradientForZeroWeights() {
        LoraPolicy policy = model.policy();
        INDArray theta = TinyModels.jitter(policy.initialParameters(), 0.2, 3);
        ValueAndGradient vg = policy.sequenceLogProbsAndGradient(theta, batch, new double[3]);
        assertEquals(0.0, vg.gradient().norm2Number().doubleValue(), 0.0);
        ValueAndGradient one = policy.sequenceLogProbsAndGradient(theta, batch, new double[] {1, 0, 0});
        assertTrue(one.gradient().norm2Number().doubleValue() > 0);
    }
}
