package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings;
import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.SplittableRandom;

/** Fixtures: a tiny model and random padded batches shaped like real ones (BOS, prompt, scored response, PAD). */
final class TinyModels {

    static final int VOCAB = 23;
    static final int PAD = VOCAB - 1;
    static final int BOS = VOCAB - 3;
    static final int PROMPT = 4;
    static final ModelShape SHAPE = new ModelShape(VOCAB, 12, 2, 16, 2, 32, 3, 2.0);

    private TinyModels() {
    }

    static TransformerModel model(DataType type, long seed) {
        return TransformerModel.create(SHAPE, type, 0.3, seed);
    }

    static TransformerModel model(DataType type, long seed, DeviceSettings.Engine engine) {
        return TransformerModel.create(SHAPE, type, 0.3, seed, engine);
    }

    /** Rows of random tokens with lastIndex in [PROMPT + 1, T - 1], scored = (PROMPT, lastIndex], PAD after. */
    static TokenBatch batch(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int t = SHAPE.context();
        int[][] tokens = new int[rows][t];
        boolean[][] scored = new boolean[rows][t];
        int[] last = new int[rows];
        for (int b = 0; b < rows; b++) {
            last[b] = PROMPT + 1 + random.nextInt(t - PROMPT - 1);
            tokens[b][0] = BOS;
            for (int p = 1; p < t; p++) {
                tokens[b][p] = p <= last[b] ? random.nextInt(VOCAB - 3) : PAD;
                scored[b][p] = p > PROMPT && p <= last[b];
            }
        }
        return new TokenBatch(tokens, scored, last);
    }

    /** {@code params} with every entry moved by N(0, std): makes LoRA B non-zero so that every factor gets a gradient. */
    static INDArray jitter(INDArray params, double std, long seed) {
        return EngineParity.jitter(params, std, seed);
    }

    static double weightedSum(INDArray values, double[] weights) {
        double s = 0;
        for (int i = 0; i < weights.length; i++) {
            s += weights[i] * values.getDouble(i);
        }
        return s;
    }
}
