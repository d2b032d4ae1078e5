package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Padding, causality, theta_0 and input validation on the tiny float64 model. */
class TransformerBehaviourTest {

    private final TransformerModel model = TinyModels.model(DataType.DOUBLE, 13);
    private final LoraPolicy policy = model.policy();
    private final LoraReward reward = model.reward();
    private final INDArray theta = TinyModels.jitter(policy.initialParameters(), 0.2, 1);
    private final INDArray phi = TinyModels.jitter(reward.initialParameters(2), 0.2, 2);

    /**
     * The reward runs its last block (queries, attention, MLP, final LayerNorm) for the last non-PAD row of each sample
     * alone. Its values must be those of the full forward pass over every row followed by the value head, on either
     * engine, with rewards alone and with a gradient (the batch has a different lastIndex in every row). Every base
     * weight, biases included, is perturbed away from its initial value (biases start at zero), so that a part left
     * out of the shortened pass shows.
     */
    @Test
    void shouldGiveTheRewardsOfTheFullForwardPass() {
        TokenBatch batch = TinyModels.batch(5, 8);
        double[] weights = {1, 1, 1, 1, 1};
        for (DeviceSettings.Engine engine : new DeviceSettings.Engine[] {DeviceSettings.Engine.CPU_KERNELS,
                DeviceSettings.Engine.ND4J}) {
            TransformerModel m = TinyModels.model(DataType.DOUBLE, 13, engine);
            m.baseParameters().assign(TinyModels.jitter(m.baseParameters(), 0.05, 3));
            LoraReward r = m.reward();
            INDArray full = fullPassRewards(m, batch);
            double error = EngineParity.maxRelativeError(r.rewards(phi, batch), full);
            assertTrue(error < 1e-12, engine + ": rewards differ from the full pass by " + error);
            error = EngineParity.maxRelativeError(r.rewardsAndGradient(phi, batch, weights).values(), full);
            assertTrue(error < 1e-12, engine + ": rewards with a gradient differ from the full pass by " + error);
        }
    }

    /**
     * The reward's Jacobian (one pass, each sample's gradient kept apart) against one weighted backward per sample with
     * a one-hot weight: the same rows, on either engine and on the CPU engine split over 1-3 row ranges (an uneven
     * split: 5 rows), with every base weight perturbed so that biases and all LoRA factors carry gradient.
     */
    @Test
    void shouldGiveEachSampleItsOwnRewardGradientRow() {
        TokenBatch batch = TinyModels.batch(5, 9);
        List<TransformerModel> models = List.of(TinyModels.model(DataType.DOUBLE, 13, DeviceSettings.Engine.ND4J),
                cpuModel(1), cpuModel(2), cpuModel(3));
        for (TransformerModel m : models) {
            m.baseParameters().assign(TinyModels.jitter(m.baseParameters(), 0.05, 3));
            LoraReward r = m.reward();
            ValueAndGradient jacobian = r.rewardsAndJacobian(phi, batch);
            assertArrayEquals(new long[] {5, r.parameterCount()}, jacobian.gradient().shape());
            String label = m.computeEngine() + " on " + m.cpuThreads() + " thread(s)";
            assertTrue(EngineParity.maxRelativeError(jacobian.values(), r.rewards(phi, batch)) < 1e-13, label);
            for (int i = 0; i < 5; i++) {
                double[] oneHot = new double[5];
                oneHot[i] = 1.0;
                INDArray expected = r.rewardsAndGradient(phi, batch, oneHot).gradient();
                INDArray row = jacobian.gradient().getRow(i).reshape(expected.shape());
                double error = EngineParity.maxRelativeError(row, expected);
                assertTrue(error < 1e-12, label + ": row " + i + " differs from its own backward by " + error);
            }
        }
    }

    private static TransformerModel cpuModel(int threads) {
        return TransformerModel.create(TinyModels.SHAPE, DataType.DOUBLE, 0.3, 13, DeviceSettings.Engine.CPU_KERNELS,
                threads);
    }

    /** r_i = w . h_i + b with h_i the full forward pass's final hidden state at sample i's last non-PAD row. */
    private INDArray fullPassRewards(TransformerModel m, TokenBatch batch) {
        TransformerEngine e = m.engine();
        AdapterLayout layout = AdapterLayout.reward(m.shape());
        NativeBuf phiBuf = NativeBuf.wrap(phi, DataType.DOUBLE);
        Activations a = e.activations(batch.size());
        e.forward(a, batch.tokens(), phiBuf, layout);
        int d = m.shape().dModel();
        int[] last = TargetRows.last(batch).row();
        double[] out = new double[batch.size()];
        for (int i = 0; i < out.length; i++) {
            double v = phiBuf.get(layout.headBias);
            for (int c = 0; c < d; c++) {
                v += phiBuf.get(layout.headWeight + c) * a.hidden.get((long) last[i] * d + c);
            }
            out[i] = v;
        }
        return Nd4j.createFromArray(out);
    }

    @Test
    void shouldIgnoreWhatFollowsTheLastToken() {
        TokenBatch padded = TinyModels.batch(4, 3);
        int[][] tokens = new int[4][];
        for (int b = 0; b < 4; b++) {
            tokens[b] = padded.tokens()[b].clone();
            for (int p = padded.lastIndex()[b] + 1; p < tokens[b].length; p++) {
                tokens[b][p] = (p * 7 + b) % (TinyModels.VOCAB - 3); // garbage instead of PAD
            }
        }
        TokenBatch garbage = new TokenBatch(tokens, padded.scored(), padded.lastIndex());
        double[] w = {1.0, -0.5, 0.25, 2.0};
        ValueAndGradient a = policy.sequenceLogProbsAndGradient(theta, padded, w);
        ValueAndGradient b = policy.sequenceLogProbsAndGradient(theta, garbage, w);
        assertArrayEquals(a.values().toDoubleVector(), b.values().toDoubleVector(), 1e-12);
        assertArrayEquals(a.gradient().toDoubleVector(), b.gradient().toDoubleVector(), 1e-12);
        ValueAndGradient ra = reward.rewardsAndGradient(phi, padded, w);
        ValueAndGradient rb = reward.rewardsAndGradient(phi, garbage, w);
        assertArrayEquals(ra.values().toDoubleVector(), rb.values().toDoubleVector(), 1e-12);
        assertArrayEquals(ra.gradient().toDoubleVector(), rb.gradient().toDoubleVector(), 1e-12);
    }

    @Test
    void shouldScoreEachRowIndependentlyOfItsBatch() {
        TokenBatch batch = TinyModels.batch(3, 4);
        INDArray together = policy.sequenceLogProbs(theta, batch);
        INDArray rewards = reward.rewards(phi, batch);
        for (int b = 0; b < 3; b++) {
            assertEquals(together.getDouble(b), policy.sequenceLogProbs(theta, batch.rows(b, b + 1)).getDouble(0), 1e-12);
            assertEquals(rewards.getDouble(b), reward.rewards(phi, batch.rows(b, b + 1)).getDouble(0), 1e-12);
        }
    }

    @Test
    void shouldNotLetLaterTokensChangeEarlierLogits() {
        TokenBatch batch = TinyModels.batch(2, 5);
        int t = 6;
        int[][] prefixTokens = {batch.tokens()[0].clone(), batch.tokens()[1].clone()};
        boolean[][] none = new boolean[2][TinyModels.SHAPE.context()];
        TokenBatch prefix = new TokenBatch(prefixTokens, none, new int[] {t, t});
        INDArray before = policy.nextTokenLogits(theta, prefix);
        int[][] changed = {prefixTokens[0].clone(), prefixTokens[1].clone()};
        changed[0][t + 1] = (changed[0][t + 1] + 1) % TinyModels.VOCAB;
        changed[1][t + 3] = (changed[1][t + 3] + 5) % TinyModels.VOCAB;
        INDArray after = policy.nextTokenLogits(theta, new TokenBatch(changed, none, new int[] {t, t}));
        assertArrayEquals(before.toDoubleMatrix()[0], after.toDoubleMatrix()[0], 1e-12);
        assertArrayEquals(before.toDoubleMatrix()[1], after.toDoubleMatrix()[1], 1e-12);
        // and a change at or before t does change them (so the check above can fail)
        changed[0][t] = (changed[0][t] + 1) % TinyModels.VOCAB;
        INDArray moved = policy.nextTokenLogits(theta, new TokenBatch(changed, none, new int[] {t, t}));
        assertNotEquals(before.getDouble(0, 0), moved.getDouble(0, 0), 1e-9);
    }

    @Test
    void shouldEqualTheBaseModelAtThetaZero() {
        TokenBatch batch = TinyModels.batch(3, 6);
        INDArray theta0 = policy.initialParameters();
        assertArrayEquals(model.baseSequenceLogProbs(batch).toDoubleVector(),
                policy.sequenceLogProbs(theta0, batch).toDoubleVector(), 1e-12);
        assertArrayEquals(model.baseNextTokenLogits(batch).toDoubleMatrix()[2],
                policy.nextTokenLogits(theta0, batch).toDoubleMatrix()[2], 1e-12);
        // LoRA B = 0 at theta_0, yet A is random so that the first gradient step moves B
        ValueAndGradient vg = policy.sequenceLogProbsAndGradient(theta0, batch, new double[] {1, 1, 1});
        ParameterGroup bq = policy.parameterGroups().get(1);
        ParameterGroup a = policy.parameterGroups().get(0);
        assertEquals(0.0, theta0.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(bq.offset(), bq.offset() + bq.length()))
                .norm2Number().doubleValue(), 0.0);
        assertTrue(theta0.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(a.offset(), a.offset() + a.length()))
                .norm2Number().doubleValue() > 0);
        assertTrue(vg.gradient().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(bq.offset(), bq.offset() + bq.length()))
                .norm2Number().doubleValue() > 0);
        assertNotEquals(model.baseSequenceLogProbs(batch).getDouble(0), policy.sequenceLogProbs(theta, batch).getDouble(0));
    }

    @Test
    void shouldReturnFreshInitialParametersEachCall() {
        INDArray first = policy.initialParameters();
        first.addi(1.0);
        assertNotEquals(first.getDouble(0), policy.initialParameters().getDouble(0));
        assertArrayEquals(reward.initialParameters(5).toDoubleVector(), reward.initialParameters(5).toDoubleVector());
        assertNotEquals(reward.initialParameters(5).getDouble(0), reward.initialParameters(6).getDouble(0));
    }

    @Test
    void shouldRejectBatchesTheModelCannotRead() {
        TokenBatch ok = TinyModels.batch(2, 7);
        int[][] bad = {ok.tokens()[0].clone(), ok.tokens()[1].clone()};
        bad[1][2] = TinyModels.VOCAB;
        var e = assertThrows(IllegalArgumentException.class,
                () -> policy.sequenceLogProbs(theta, new TokenBatch(bad, ok.scored(), ok.lastIndex())));
        assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
        TokenBatch shorter = new TokenBatch(new int[][] {{1, 2, 3}}, new boolean[][] {{false, true, true}}, new int[] {2});
        e = assertThrows(IllegalArgumentException.class, () -> reward.rewards(phi, shorter));
        assertTrue(e.getMessage().contains("context is 12"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> policy.sequenceLogProbs(phi, ok));
        assertThrows(IllegalArgumentException.class, () -> policy.sequenceLogProbsAndGradient(theta, ok, new double[1]));
    }

    @Test
    void shouldLowerTheWarmStartLossWhenTraining() {
        BaseTrainer trainer = model.baseTrainer(1e-2);
        TokenBatch batch = TinyModels.batch(4, 8);
        double first = trainer.loss(batch);
        double last = first;
        for (int i = 0; i < 30; i++) {
            last = trainer.step(batch);
        }
        assertEquals(30, trainer.steps());
        assertTrue(last < 0.5 * first, "loss went from " + first + " to " + last);
    }
}
