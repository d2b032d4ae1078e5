package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings;
import dev.metareward.config.ModelSettings;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongFunction;

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
    private final RowShards shards;
    private final LoraPolicy policy;
    private final LoraReward reward;

    TransformerModel(ModelShape shape, DataType type, double initStd, long seed, EngineOps ops) {
        this(shape, type, initStd, seed, ops, 1);
    }

    /** {@code cpuThreads} row ranges per call on the CPU engine ({@link RowShards}); the device engine uses 1. */
    TransformerModel(ModelShape shape, DataType type, double initStd, long seed, EngineOps ops, int cpuThreads) {
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
        base.array.assign(initialBase(layout, new SplittableRandom(seed)));
        this.engine = new TransformerEngine(shape, type, base, ops);
        this.shards = new RowShards(engine, ops instanceof CpuOps ? cpuThreads : 1);
        this.policy = new LoraPolicy(this);
        this.reward = new LoraReward(this);
    }

    /**
     * A model of the shape and precision in {@code settings} for a tokenizer with {@code vocabSize} tokens, on the
     * engine that {@code device.engine} and {@code device.backend} select ({@link DeviceSettings#effectiveEngine()}).
     * Create it on the thread that will use it, after {@code DevicePlacement} bound that thread to its GPU: on CUDA
     * its buffers live on that thread's device.
     */
    public static TransformerModel create(ModelSettings settings, DeviceSettings device, int vocabSize, long seed) {
        return create(ModelShape.of(settings, vocabSize), dataType(settings.dtype()), settings.initStd(), seed,
                device.effectiveEngine(), device.effectiveCpuThreads());
    }

    /** As {@link #create(ModelSettings, DeviceSettings, int, long)} on the default engine of the loaded backend. */
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

    /**
     * A model with base weights N(0, initStd) (LayerNorm gains 1, biases 0) drawn from {@code seed}, on the default
     * engine of the loaded ND4J backend (the CPU kernels on the CPU backend, the ND4J device engine on CUDA).
     */
    public static TransformerModel create(ModelShape shape, DataType type, double initStd, long seed) {
        return create(shape, type, initStd, seed, DeviceSettings.Engine.AUTO);
    }

    /**
     * As {@link #create(ModelShape, DataType, double, long)} on the given engine; {@code AUTO} picks by the loaded
     * ND4J backend. The same seed gives the same weights on every engine. The CPU engine uses every available
     * processor ({@link DeviceSettings#effectiveCpuThreads()} of the default settings).
     *
     * @throws IllegalStateException when {@code CPU_KERNELS} is asked for on the CUDA backend
     */
    public static TransformerModel create(ModelShape shape, DataType type, double initStd, long seed,
                                          DeviceSettings.Engine engine) {
        return create(shape, type, initStd, seed, engine, DeviceSettings.availableProcessors());
    }

    /**
     * As {@link #create(ModelShape, DataType, double, long, DeviceSettings.Engine)} with {@code cpuThreads} row
     * ranges (and threads) per call on the CPU engine; ignored by the device engine, which computes on one stream.
     */
    public static TransformerModel create(ModelShape shape, DataType type, double initStd, long seed,
                                          DeviceSettings.Engine engine, int cpuThreads) {
        return new TransformerModel(shape, type, initStd, seed, EngineSelector.opsFor(engine, type), cpuThreads);
    }

    public static DataType dataType(ModelSettings.DType dtype) {
        return dtype == ModelSettings.DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
    }

    public ModelShape shape() {
        return shape;
    }

    /**
     * A new model of the same shape, precision and engine whose base is a copy of this one's current base: for work
     * that must not share this model's buffers (another thread, or training that changes the base). Create it on
     * the thread that will use it.
     */
    public TransformerModel copyWithSameBase() {
        TransformerModel copy = create(shape, type, initStd, seed, computeEngine(), shards.threads());
        copy.baseParameters().assign(baseParameters());
        return copy;
    }

    /** The engine this model computes on: {@code CPU_KERNELS} or {@code ND4J} (never {@code AUTO}). */
    public DeviceSettings.Engine computeEngine() {
        return engine.ops instanceof Nd4jOps ? DeviceSettings.Engine.ND4J : DeviceSettings.Engine.CPU_KERNELS;
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
        return perSampleCall(batch, null, (e, rows, weights, gradients) -> {
            Activations a = e.activations(rows.size());
            e.forward(a, rows.tokens(), null, null);
            TargetRows targets = TargetRows.scored(rows);
            e.lmHead(a, targets, e.base, e.layout.headWeight, e.layout.headBias, null, null, 0, 0);
            return new Part(perSampleValues(targets, e.rowValues(a, targets.count()), rows.size()), null);
        }).values();
    }

    /** One row range's values (per sample or per row, in row order) and its gradient buffer (null without one). */
    record Part(double[] values, NativeBuf gradient) {
    }

    /**
     * A per-sample model call on one row range: {@code rows} of the batch with their slice of the call's
     * {@code weights} (null when the call has none); a gradient goes into {@code gradients.of(engine, length)}.
     */
    @FunctionalInterface
    interface RangeCall {
        Part apply(TransformerEngine engine, TokenBatch rows, double[] weights, GradientBuffers gradients);
    }

    /** Where a row range's gradient of {@code length} elements goes: a new buffer for range 0 (it is returned). */
    interface GradientBuffers {
        NativeBuf of(TransformerEngine engine, long length);
    }

    /**
     * Validates {@code batch}, runs {@code call} on its row ranges ({@link RowShards}) and joins the parts: values
     * side by side, gradients summed in range order into the first range's buffer (the others are their engines'
     * scratch, so a call allocates one gradient however many ranges it has).
     */
    ValueAndGradient perSampleCall(TokenBatch batch, double[] weights, RangeCall call) {
        List<Part> parts = ranges(batch, weights, call, length -> NativeBuf.zeros(type, length));
        NativeBuf gradient = sumGradients(parts);
        return new ValueAndGradient(vector(joinValues(parts)), gradient == null ? null : gradient.array);
    }

    /**
     * Like {@link #perSampleCall}, for a gradient with one row of {@code rowLength} per sample (a Jacobian,
     * [B, rowLength]): range 0 writes its rows straight into the result, the others into their engines' scratch,
     * copied after it, so the rows stand in sample order.
     */
    ValueAndGradient perSampleRowsCall(TokenBatch batch, double[] weights, long rowLength, RangeCall call) {
        NativeBuf rows = NativeBuf.zeros(type, batch.size() * rowLength);
        List<Part> parts = ranges(batch, weights, call, length -> rows);
        long next = parts.get(0).values().length * rowLength;
        for (int i = 1; i < parts.size(); i++) {
            NativeBuf part = parts.get(i).gradient();
            engine.ops.copy(part, 0, rows, next, part.length);
            next += part.length;
        }
        return new ValueAndGradient(vector(joinValues(parts)), rows.array);
    }

    /**
     * Validates {@code batch} and runs {@code call} on its row ranges, each with its slice of {@code weights}; range
     * 0's gradient buffer comes from {@code firstGradient}, the others' are their engines' scratch.
     */
    private List<Part> ranges(TokenBatch batch, double[] weights, RangeCall call,
                              LongFunction<NativeBuf> firstGradient) {
        engine.validate(batch);
        return shards.map(batch.size(), (range, e, from, to) -> call.apply(e, rowsOf(batch, from, to),
                weights == null ? null : Arrays.copyOfRange(weights, from, to),
                (owner, length) -> range == 0 ? firstGradient.apply(length) : owner.scratchGradient(length)));
    }

    /** The parts' values side by side, in range order. */
    static double[] joinValues(List<Part> parts) {
        int total = 0;
        for (Part part : parts) {
            total += part.values().length;
        }
        double[] values = new double[total];
        int next = 0;
        for (Part part : parts) {
            System.arraycopy(part.values(), 0, values, next, part.values().length);
            next += part.values().length;
        }
        return values;
    }

    /** Adds the gradients of ranges 1.. to range 0's, in range order, and returns it (null when there is none). */
    NativeBuf sumGradients(List<Part> parts) {
        NativeBuf gradient = parts.get(0).gradient();
        for (int i = 1; gradient != null && i < parts.size(); i++) {
            engine.ops.accumulate(parts.get(i).gradient(), gradient, gradient.length);
        }
        return gradient;
    }

    /** Rows [from, to) of {@code batch}: the batch itself when that is all of it. */
    static TokenBatch rowsOf(TokenBatch batch, int from, int to) {
        return from == 0 && to == batch.size() ? batch : batch.rows(from, to);
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

    /** The row ranges every call of the policy, the reward model and the base trainer is split into. */
    RowShards shards() {
        return shards;
    }

    /** Row ranges (threads) per model call: 1 on the device engine. */
    public int cpuThreads() {
        return shards.threads();
    }

    INDArray copyLogits(Activations a, TargetRows rows, NativeBuf params, long weightOff, long biasOff) {
        engine.logits(a, rows, params, weightOff, biasOff);
        int m = rows.count();
        int v = shape.vocab();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4jOps.mat(a.logits, 0, m, v, v).dup('c');
        }
    }

    /** Sums the per-row values of each sample: F_i from its scored rows. */
    static double[] perSampleValues(TargetRows rows, double[] perRow, int batch) {
        double[] values = new double[batch];
        for (int i = 0; i < rows.count(); i++) {
            values[rows.sample()[i]] += perRow[i];
        }
        return values;
    }

    /**
     * A new vector of the model's type holding {@code values} (outside any workspace: callers keep it). Made in that
     * type directly: a double vector cast to float would be two ND4J allocations per model call where one does.
     */
    INDArray vector(double[] values) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (type != DataType.FLOAT) {
                return Nd4j.createFromArray(values).castTo(type);
            }
            float[] floats = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                floats[i] = (float) values[i];
            }
            return Nd4j.createFromArray(floats);
        }
    }

    /**
     * The initial base, drawn on the host and assigned in one copy: element-wise writes would be host accesses to
     * device memory on CUDA. Same values as before the engine seam (same stream, same order).
     */
    private INDArray initialBase(BaseLayout layout, SplittableRandom random) {
        double[] base = new double[Math.toIntExact(layout.size)];
        int d = shape.dModel();
        int f = shape.dFf();
        gaussian(base, layout.tokenEmbedding, (long) shape.vocab() * d, initStd, random);
        gaussian(base, layout.positionEmbedding, (long) shape.context() * d, initStd, random);
        for (BaseLayout.Block w : layout.blocks) {
            fill(base, w.ln1Gain(), d, 1.0);
            gaussian(base, w.qkvWeight(), 3L * d * d, initStd, random);
            gaussian(base, w.outWeight(), (long) d * d, initStd, random);
            fill(base, w.ln2Gain(), d, 1.0);
            gaussian(base, w.fc1Weight(), (long) d * f, initStd, random);
            gaussian(base, w.fc2Weight(), (long) f * d, initStd, random);
        }
        fill(base, layout.finalGain, d, 1.0);
        gaussian(base, layout.headWeight, (long) d * shape.vocab(), initStd, random);
        return vector(base);
    }

    private static void fill(double[] host, long offset, int count, double value) {
        java.util.Arrays.fill(host, Math.toIntExact(offset), Math.toIntExact(offset + count), value);
    }

    static void gaussian(double[] host, long offset, long count, double std, SplittableRandom random) {
        for (long i = 0; i < count; i++) {
            host[Math.toIntExact(offset + i)] = std * random.nextGaussian();
        }
    }

    /** A seed for one purpose derived from the model seed, so that streams of different purposes never overlap. */
    static long derivedSeed(long seed, long purpose) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (purpose + 1))).nextLong();
    }
}
