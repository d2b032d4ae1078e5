package dev.metareward.tensors.bench;

import dev.metareward.config.DeviceSettings;
import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.DomainMetaStep;
import dev.metareward.tensors.bilevel.InnerLoop;
import dev.metareward.tensors.bilevel.InnerTrajectory;
import dev.metareward.tensors.model.transformer.LoraPolicy;
import dev.metareward.tensors.model.transformer.LoraReward;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times a {@link BenchWorkload} in float32 (MATH.md "Bench workload"): the median seconds of a meta step
 * ({@link DomainMetaStep#compute}: D inner steps, loss_PL and the exact hypergradient) and of an inner step (a step of
 * an {@link InnerLoop}: batch, reward forward for R_i, policy forward and backward, theta update), with the inner
 * step's two parts timed apart: the reward pass (batch and R_i) and the policy step (the rest). It also reports the
 * inner step's tokens/s and achieved GFLOP/s ({@link TransformerFlops}), and the float32 GEMM 1024^3 peak of ND4J in
 * the same run ({@link GemmPeak}).
 *
 * <p>Why the parts: R_i depend on phi only, which the inner loop holds fixed, so an implementation may compute them
 * for all D batches before the loop and time its inner step as the policy step alone. Comparing with another
 * implementation needs the figure that does the same work.
 *
 * <p>Order: {@code warmup} meta steps (they also warm up every code path of the inner step), {@code repeats} timed
 * meta steps, then one inner loop of {@code 10 * warmup} steps and one of {@code 10 * repeats} steps, each step timed
 * by the loop (an inner step is ~D times shorter, so it gets more samples for its median), then the GEMM peak. Base
 * weights N(0, init-std) and phi_0 come from fixed seeds.
 */
public final class WorkloadBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadBenchmark.class);

    /** Inner steps timed per requested repeat. */
    public static final int INNER_STEPS_PER_REPEAT = 10;
    /** Matrix size and samples of the GEMM peak. */
    public static final int GEMM_SIZE = 1024;
    public static final int GEMM_REPEATS = 10;
    public static final int GEMM_WARMUP = 3;
    private static final long MODEL_SEED = 1;
    private static final long PHI_SEED = 2;
    private static final long DATA_SEED = 3;
    private static final double REWARD_CLAMP = 20.0;

    private WorkloadBenchmark() {
    }

    /**
     * How many timed and warm-up meta steps.
     *
     * @param repeats timed meta steps (>= 1); the inner step is timed {@value #INNER_STEPS_PER_REPEAT} times as often
     * @param warmup  untimed meta steps first (>= 0), likewise for the inner step
     * @param engine  the model's engine
     * @param cpuThreads row ranges (threads) per model call of the CPU engine (>= 1; {@code device.cpu-threads})
     */
    public record Options(int repeats, int warmup, DeviceSettings.Engine engine, int cpuThreads) {
        public Options {
            if (repeats < 1 || warmup < 0 || cpuThreads < 1) {
                throw new IllegalArgumentException("bench needs repeats >= 1, warmup >= 0 and cpuThreads >= 1, got "
                        + "repeats " + repeats + ", warmup " + warmup + " and cpuThreads " + cpuThreads);
            }
            Objects.requireNonNull(engine, "engine");
        }

        /** On the default engine of the loaded backend ({@code AUTO}), one thread per processor. */
        public Options(int repeats, int warmup) {
            this(repeats, warmup, DeviceSettings.Engine.AUTO, DeviceSettings.availableProcessors());
        }
    }

    /** Median, fastest and slowest of a timed operation, in seconds. */
    public record Timing(double median, double min, double max, int samples) {
        static Timing of(double[] seconds) {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (double s : seconds) {
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
            return new Timing(GemmPeak.median(seconds), min, max, seconds.length);
        }
    }

    /**
     * Everything one run measured.
     *
     * @param workload        what was run (D may be overridden)
     * @param metaStep        seconds per meta step
     * @param innerStep       seconds per inner step
     * @param innerParts      seconds per inner step's reward pass and policy step, each taken per step
     * @param innerStepFlops  FLOPs of one inner step ({@link TransformerFlops#innerStep})
     * @param metaStepFlops   FLOPs of one meta step ({@link TransformerFlops#metaStep})
     * @param gemmPeakGflops  float32 GEMM 1024^3 median GFLOP/s of ND4J in this run
     * @param simdKernels     whether the model ran its SIMD float32 kernels (they need the JVM flag
     *                        {@code --add-modules jdk.incubator.vector} and a build that has them) rather than scalar ones;
     *                        false on the ND4J engine, which has none
     * @param engine          the engine the model computed on ({@code CPU_KERNELS} or {@code ND4J})
     * @param cpuThreads      row ranges (threads) per model call: 1 on the ND4J engine
     */
    public record Result(BenchWorkload workload, Timing metaStep, Timing innerStep, InnerParts innerParts,
                         double innerStepFlops, double metaStepFlops, double gemmPeakGflops, boolean simdKernels,
                         DeviceSettings.Engine engine, int cpuThreads) {

        public double tokensPerSecond() {
            return workload.innerStepTokens() / innerStep.median();
        }

        /** Achieved GFLOP/s of the inner step. */
        public double innerStepGflops() {
            return innerStepFlops / innerStep.median() / 1e9;
        }

        /** Achieved GFLOP/s of the policy step alone. */
        public double policyStepGflops() {
            return innerParts.policyStepFlops() / innerParts.policyStep().median() / 1e9;
        }

        public double metaStepGflops() {
            return metaStepFlops / metaStep.median() / 1e9;
        }

        /** Our inner step time over PyTorch's (above 1: slower), or NaN without a reference. */
        public double innerStepRatio() {
            return workload.reference() == null ? Double.NaN
                    : innerStep.median() / workload.reference().innerStepSeconds();
        }

        /** Our meta step time over PyTorch's, its reference scaled to this run's D; NaN without a reference. */
        public double metaStepRatio() {
            return workload.reference() == null ? Double.NaN
                    : metaStep.median() / workload.reference().metaStepSecondsAt(workload.innerSteps());
        }
    }

    /**
     * The inner step's parts, each step split where its weights are known.
     *
     * @param rewardPass      seconds of drawing the batch and the reward forward for R_i
     * @param policyStep      seconds of the rest: policy forward, backward and the theta update
     * @param policyStepFlops FLOPs of the policy step ({@link TransformerFlops#policyForwardBackward})
     */
    public record InnerParts(Timing rewardPass, Timing policyStep, double policyStepFlops) {
        static InnerParts of(InnerTrajectory loop, double policyStepFlops) {
            double[] reward = loop.rewardSeconds();
            double[] policy = new double[reward.length];
            for (int t = 0; t < policy.length; t++) {
                policy[t] = loop.stepSeconds()[t] - reward[t];
            }
            return new InnerParts(Timing.of(reward), Timing.of(policy), policyStepFlops);
        }
    }

    /** Runs the workload; {@code listener} hears every warm-up and timed step and the GEMM phase. */
    public static Result run(BenchWorkload workload, Options options, PhaseListener listener) {
        TransformerModel model = TransformerModel.create(workload.shape(), DataType.FLOAT, workload.initStd(), MODEL_SEED,
                options.engine(), options.cpuThreads());
        LoraPolicy policy = model.policy();
        LoraReward reward = model.reward();
        INDArray phi = reward.initialParameters(PHI_SEED);
        RandomTokenBatches batches = RandomTokenBatches.forWorkload(workload, DATA_SEED);
        InnerSettings inner = new InnerSettings(workload.innerSteps(), workload.innerBatch(), workload.alpha(),
                workload.beta(), REWARD_CLAMP);
        OuterSettings outer = new OuterSettings(1, workload.outerBatch(), OuterSettings.Optimizer.SGD, 1e-2, 0);
        DomainMetaStep metaStep = new DomainMetaStep(policy, reward, batches, inner, outer,
                new HypergradientSettings(HypergradientSettings.Mode.EXACT, 1, 0));
        LOG.info("bench {}: theta {} and phi {} parameters, D = {}, float32, engine {} on {} thread(s)", workload.name(),
                policy.parameterCount(), reward.parameterCount(), workload.innerSteps(), model.computeEngine(),
                model.cpuThreads());

        repeat("meta step warm-up", options.warmup(), listener, () -> metaStep.compute(phi, 0));
        Timing meta = Timing.of(repeat("meta steps", options.repeats(), listener, () -> metaStep.compute(phi, 0)));

        INDArray theta0 = policy.initialParameters();
        if (options.warmup() > 0) {
            innerSteps("inner step warm-up", INNER_STEPS_PER_REPEAT * options.warmup(), policy, reward, phi, theta0,
                    batches, workload, listener);
        }
        InnerTrajectory timedLoop = innerSteps("inner steps", INNER_STEPS_PER_REPEAT * options.repeats(), policy,
                reward, phi, theta0, batches, workload, listener);

        listener.onProgress("GEMM peak", 0, 1, GEMM_SIZE + "^3 float32");
        double peak = GemmPeak.measure(GEMM_SIZE, GEMM_REPEATS, GEMM_WARMUP);
        listener.onProgress("GEMM peak", 1, 1, String.format("%.1f GFLOP/s", peak));

        TransformerFlops flops = new TransformerFlops(workload.shape());
        boolean cpuKernels = model.computeEngine() == DeviceSettings.Engine.CPU_KERNELS;
        InnerParts parts = InnerParts.of(timedLoop,
                flops.policyForwardBackward(workload.innerBatch(), workload.scoredPerSequence()));
        return new Result(workload, meta, Timing.of(timedLoop.stepSeconds()), parts, flops.innerStep(workload),
                flops.metaStep(workload), peak, cpuKernels && simdKernelsAvailable(), model.computeEngine(),
                model.cpuThreads());
    }

    /**
     * Whether the model's float32 kernels are the SIMD ones: the same two conditions the model's kernel selector checks
     * (the Vector API module in the boot layer and the SIMD kernel class on the class path).
     */
    public static boolean simdKernelsAvailable() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            Class.forName(TransformerModel.class.getPackageName() + ".VectorFloatKernels", false,
                    WorkloadBenchmark.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The name of the ND4J backend in use (for the report's header). */
    public static String backendName() {
        return Nd4j.getBackend().getClass().getSimpleName();
    }

    /**
     * One inner loop of {@code count} steps from theta_0, whose own per-step times are the ones reported (each step as
     * the loop times it: batch, rewards, policy gradient, update), so the loop's once-per-run setup (its copy of
     * theta_0) is not charged to a step, as it is not in training. Warm-up ({@code count} 0) runs nothing.
     */
    private static InnerTrajectory innerSteps(String phase, int count, LoraPolicy policy, LoraReward reward,
                                              INDArray phi, INDArray theta0, RandomTokenBatches batches,
                                              BenchWorkload workload, PhaseListener listener) {
        InnerLoop loop = new InnerLoop(policy, reward, count, workload.innerBatch(), workload.alpha(), workload.beta(),
                REWARD_CLAMP);
        listener.onProgress(phase, 0, count, "one inner loop of " + count + " steps");
        InnerTrajectory run = loop.run(phi, theta0, batches, false);
        listener.onProgress(phase, count, count, String.format("median %.4f s", GemmPeak.median(run.stepSeconds())));
        return run;
    }

    private static double[] repeat(String phase, int count, PhaseListener listener, Runnable op) {
        double[] seconds = new double[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            op.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
            listener.onProgress(phase, i + 1, count, String.format("%.4f s", seconds[i]));
        }
        return seconds;
    }
}
