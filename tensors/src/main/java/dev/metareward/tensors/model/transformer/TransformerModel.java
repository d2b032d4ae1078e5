package dev.metareward.tensors.model.transformer;

import dev.metareward.config.ModelSettings;
import dev.metareward.tensors.data.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The frozen decoder-only transformer base shared by the policy and the reward model: token embedding + learned
 * positions, {@code layers} pre-LayerNorm blocks (causal multi-head self-attention with a fused QKV projection, GELU
 * MLP), final LayerNorm and an LM head with bias. All base weights live in one flat vector
 * ({@link #baseParameters()}).
 *
 * <p>Obtain the adapters with {@link #policy()} (LoRA on query/value + LM head) and {@link #reward()} (LoRA on
 * query/value + scalar value head). Warm-start the base with {@link #baseTrainer(double)}; persist it with
 * {@link #saveBase(Path)} / {@link #loadBase(Path)}.
 *
 * <p>Not thread-safe: the policy, the reward model and the trainer share buffers; use one model per thread (each
 * domain worker builds its own from the same seed or checkpoint).
 */
public final class TransformerModel {

    private final ModelShape shape;
    private final DataType type;
    private final double initStd;
    private final long seed;
    private final TransformerEngine engine;
    private final LoraPolicy policy;
    private final LoraReward reward;

    private TransformerModel(ModelShape shape, DataType type, double initStd, long seed) {
        this(shape, type, initStd, seed, null);
    }

    TransformerModel(ModelShape shape, DataType type, double initStd, long seed, Kernels kernels) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("model data type must be FLOAT or DOUBLE, got " + type);
        }
        if (!(initStd > 0)) {
            throw new IllegalArgumentException("init-std must be positive, got " + initStd);
        }
        this.shape = shape;
        this.type = type;
        this.initStd = initStd;
        this.seed = seed;
        BaseLayout layout = new BaseLayout(shape);
        NativeBuf base = NativeBuf.zeros(type, layout.size);
        initialiseBase(layout, base, new SplittableRandom(seed));
        this.engine = new TransformerEngine(shape, type, base, kernels != null ? kernels : KernelSelector.forType(type));
        this.policy = new LoraPolicy(this);
        this.reward = new LoraReward(this);
    }

    /** A model of the shape and precision in {@code settings} for a tokenizer with {@code vocabSize} tokens. */
    public static TransformerModel create(ModelSettings settings, int vocabSize, long seed) {
        return create(ModelShape.of(settings, vocabSize), dataType(settings.dtype()), settings.initStd(), seed);
    }

    /** A model for the byte tokenizer (vocabulary 259); other tokenizers need {@link #create(ModelSettings, int, long)}. */
    public static TransformerModel create(ModelSettings settings, long seed) {
        if (!"byte".equals(settings.tokenizer())) {
            throw new IllegalArgumentException("model.tokenizer is '" + settings.tokenizer()
                    + "': pass the tokenizer's vocabulary size to TransformerModel.create(settings, vocabSize, seed)");
        }
        return create(settings, ModelShape.BYTE_VOCAB, seed);
    }

    /** A model with base weights N(0, initStd) (LayerNorm gains 1, biases 0) drawn from {@code seed}. */
    public static TransformerModel create(ModelShape shape, DataType type, double initStd, long seed) {
        return new TransformerModel(shape, type, initStd, seed);
    }

    public static DataType dataType(ModelSettings.DType dtype) {
        return dtype == ModelSettings.DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
    }

    public ModelShape shape() {
        return shape;
    }

    public DataType dataType() {
        return type;
    }

    public long seed() {
        return seed;
    }

    double initStd() {
        return initStd;
    }

    /** The policy adapter (the same instance every call). */
    public LoraPolicy policy() {
        return policy;
    }

    /** The reward adapter (the same instance every call). */
    public LoraReward reward() {
        return reward;
    }

    /** The live base vector (not a copy): writes change the model. */
    public INDArray baseParameters() {
        return engine.base.array;
    }

    public long baseParameterCount() {
        return engine.layout.size;
    }

    /** A trainer that updates every base weight by Adam on next-token cross entropy. */
    public BaseTrainer baseTrainer(double learningRate) {
        return new BaseTrainer(this, learningRate);
    }

    /** F_i under the base model alone (no LoRA, base LM head), shape [B]. */
    public INDArray baseSequenceLogProbs(TokenBatch batch) {
        engine.validate(batch);
        Activations a = engine.activations(batch.size());
        engine.forward(a, batch.tokens(), null, null);
        TargetRows rows = TargetRows.scored(batch);
        double[] perRow = engine.lmHead(a, rows, engine.base, engine.layout.headWeight, engine.layout.headBias, null,
                null, 0, 0);
        return perSample(rows, perRow, batch.size());
    }

    /** Next-token logits of the base model after {@code lastIndex} of every row, [B, vocab]. */
    public INDArray baseNextTokenLogits(TokenBatch prefix) {
        engine.validate(prefix);
        Activations a = engine.activations(prefix.size());
        engine.forward(a, prefix.tokens(), null, null);
        return copyLogits(a, TargetRows.last(prefix), engine.base, engine.layout.headWeight, engine.layout.headBias);
    }

    /** Writes the base weights atomically with a format version, the shape and a checksum. */
    public void saveBase(Path file) throws IOException {
        BaseCheckpoint.write(file, shape, engine.base);
    }

    /** Replaces the base weights with those in {@code file} (same base shape; precision may differ). */
    public void loadBase(Path file) throws IOException {
        BaseCheckpoint.read(file, shape, engine.base);
    }

    TransformerEngine engine() {
        return engine;
    }

    INDArray copyLogits(Activations a, TargetRows rows, NativeBuf params, long weightOff, long biasOff) {
        engine.logits(a, rows, params, weightOff, biasOff);
        int m = rows.count();
        int v = shape.vocab();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray out = Nd4j.create(type, m, v);
            NativeBuf.wrap(out, type).copyFrom(a.logits, 0, 0, (long) m * v);
            return out;
        }
    }

    INDArray perSample(TargetRows rows, double[] perRow, int batch) {
        double[] values = new double[batch];
        for (int i = 0; i < rows.count(); i++) {
            values[rows.sample()[i]] += perRow[i];
        }
        return vector(values);
    }

    INDArray vector(double[] values) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray out = Nd4j.create(type, values.length);
            for (int i = 0; i < values.length; i++) {
                out.putScalar(i, values[i]);
            }
            return out;
        }
    }

    private void initialiseBase(BaseLayout layout, NativeBuf base, SplittableRandom random) {
        long d = shape.dModel();
        long f = shape.dFf();
        gaussian(base, layout.tokenEmbedding, (long) shape.vocab() * d, initStd, random);
        gaussian(base, layout.positionEmbedding, (long) shape.context() * d, initStd, random);
        for (BaseLayout.Block w : layout.blocks) {
            base.fill(w.ln1Gain(), d, 1.0);
            gaussian(base, w.qkvWeight(), d * 3 * d, initStd, random);
            gaussian(base, w.outWeight(), d * d, initStd, random);
            base.fill(w.ln2Gain(), d, 1.0);
            gaussian(base, w.fc1Weight(), d * f, initStd, random);
            gaussian(base, w.fc2Weight(), f * d, initStd, random);
        }
        base.fill(layout.finalGain, d, 1.0);
        gaussian(base, layout.headWeight, d * shape.vocab(), initStd, random);
    }

    static void gaussian(NativeBuf buf, long offset, long count, double std, SplittableRandom random) {
        for (long i = 0; i < count; i++) {
            buf.set(offset + i, std * random.nextGaussian());
        }
    }

    /** A seed for one purpose derived from the model seed, so that streams of different purposes never overlap. */
    static long derivedSeed(long seed, long purpose) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (purpose + 1))).nextLong();
    }
}
