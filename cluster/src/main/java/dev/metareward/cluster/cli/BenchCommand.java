package dev.metareward.cluster.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metareward.cluster.run.Progress;
import dev.metareward.config.DeviceSettings;
import dev.metareward.tensors.bench.BenchWorkload;
import dev.metareward.tensors.bench.HostCpu;
import dev.metareward.tensors.bench.WorkloadBenchmark;
import dev.metareward.tensors.model.transformer.ModelShape;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metareward bench}: times one of MATH.md's fixed workloads and prints a table, then, as the last line, one
 * JSON object with the same figures for scripts and CI.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {BenchTransportCommand.class, BenchCoordinatorCommand.class, BenchScalingCommand.class},
        description = {
            "Time a fixed workload of MATH.md (\"Bench workload\") in float32: median seconds per meta step (D inner "
                    + "steps + exact hypergradient) and per inner step, the inner step's two parts (the reward pass "
                    + "for R_i and the policy step), tokens/s, achieved GFLOP/s of the inner step and the float32 "
                    + "GEMM 1024^3 peak of ND4J in the same run, on the processor it names, next to quoted PyTorch "
                    + "figures (measured on another day; their date and machine are printed) where known.",
            "The last line of the output is one JSON object with keys workload, cpu, meta_step_s, inner_step_s, "
                    + "reward_pass_s, policy_step_s, tokens_per_s, gflops, gemm_peak_gflops, inner_step_ratio and "
                    + "meta_step_ratio (ours / quoted PyTorch, null without a reference), pytorch_reference (its date "
                    + "and machine) and more."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--workload", paramLabel = "NAME", defaultValue = "tiny",
            description = "tiny or small (default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5",
            description = "Timed meta steps; the inner step is timed 10 x N times (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1",
            description = "Untimed meta steps first, and 10 x N untimed inner steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--inner-steps", paramLabel = "D",
            description = "Override the workload's D (short smoke runs); the PyTorch meta-step reference is then "
                    + "scaled linearly to this D.")
    Integer innerSteps;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "auto",
            description = "Model engine: auto (the CPU kernels on the CPU backend, nd4j on CUDA), cpu-kernels or nd4j "
                    + "(ND4J operations; on the CPU for comparison) (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--cpu-threads", paramLabel = "N", defaultValue = "0",
            description = "Row ranges (and threads) per model call on the cpu-kernels engine, as device.cpu-threads: "
                    + "0 = one per processor; 1 = one thread, BLAS as it is (default: ${DEFAULT-VALUE}).")
    int cpuThreads;

    @Spec
    CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        BenchWorkload w = workload();
        if (repeats < 1) {
            throw new UserInputException("--repeats must be at least 1 but was " + repeats);
        }
        if (warmup < 0) {
            throw new UserInputException("--warmup must be 0 or more but was " + warmup);
        }
        if (cpuThreads < 0) {
            throw new UserInputException("--cpu-threads must be 0 (one per processor) or more but was " + cpuThreads);
        }
        WorkloadBenchmark.Options options = new WorkloadBenchmark.Options(repeats, warmup, engine(),
                DeviceSettings.resolveCpuThreads(cpuThreads));
        WorkloadBenchmark.Result result;
        try (PhaseProgress progress = new PhaseProgress()) {
            result = WorkloadBenchmark.run(w, options, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(table(result));
        out.println(json(result));
        out.flush();
        return 0;
    }

    private DeviceSettings.Engine engine() {
        return switch (engine) {
            case "auto" -> DeviceSettings.Engine.AUTO;
            case "cpu-kernels" -> DeviceSettings.Engine.CPU_KERNELS;
            case "nd4j" -> DeviceSettings.Engine.ND4J;
            default -> throw new UserInputException("--engine must be auto, cpu-kernels or nd4j but was '" + engine
                    + "'");
        };
    }

    private BenchWorkload workload() {
        BenchWorkload w;
        try {
            w = BenchWorkload.named(workload);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--workload: " + e.getMessage(), e);
        }
        if (innerSteps != null) {
            if (innerSteps < 1) {
                throw new UserInputException("--inner-steps must be at least 1 but was " + innerSteps);
            }
            w = w.withInnerSteps(innerSteps);
        }
        return w;
    }

    private String table(WorkloadBenchmark.Result r) {
        BenchWorkload w = r.workload();
        ModelShape s = w.shape();
        BenchWorkload.Reference ref = w.reference();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%nbench workload '%s', float32: vocab %d, T %d = %d + %d, %d layers, d_model %d, %d heads, "
                        + "d_ff %d, LoRA rank %d; B %d, D %d%s, B' %d, alpha %s, beta %s%n", w.name(), s.vocab(),
                s.context(), w.promptTokens(), w.scoredPerSequence(), s.layers(), s.dModel(), s.heads(), s.dFf(),
                s.loraRank(), w.innerBatch(), w.innerSteps(), w.innerStepsOverridden()
                        ? " (overridden; MATH.md: " + w.defaultInnerSteps() + ")" : "", w.outerBatch(), w.alpha(),
                w.beta()));
        sb.append(String.format("ND4J %s, %d processors (%s), OMP_WAIT_POLICY=%s, engine %s on %d thread(s); medians "
                        + "of %d meta steps and %d inner steps after %d and %d warm-up%n",
                WorkloadBenchmark.backendName(), Runtime.getRuntime().availableProcessors(), HostCpu.current().label(),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"), engineLabel(r), r.cpuThreads(),
                r.metaStep().samples(), r.innerStep().samples(), warmup,
                warmup * WorkloadBenchmark.INNER_STEPS_PER_REPEAT));
        sb.append(String.format("%-22s %12s %25s %12s %14s%n", "", "ours", "min .. max", "PyTorch+",
                "ours/PyTorch+"));
        sb.append(String.format("%-22s %10.3f s %11.3f .. %7.3f s %12s %14s%n", "meta step", r.metaStep().median(),
                r.metaStep().min(), r.metaStep().max(),
                ref == null ? "-" : String.format("%.3f s%s", ref.metaStepSecondsAt(w.innerSteps()),
                        w.innerSteps() == ref.innerSteps() ? "" : "*"),
                ratio(r.metaStepRatio())));
        sb.append(String.format("%-22s %9.2f ms %10.2f .. %7.2f ms %12s %14s%n", "inner step",
                r.innerStep().median() * 1e3, r.innerStep().min() * 1e3, r.innerStep().max() * 1e3,
                ref == null ? "-" : String.format("%.2f ms", ref.innerStepSeconds() * 1e3), ratio(r.innerStepRatio())));
        WorkloadBenchmark.InnerParts parts = r.innerParts();
        sb.append(String.format("%-22s %9.2f ms %10.2f .. %7.2f ms   (batch and reward forward for R_i)%n",
                "  reward pass", parts.rewardPass().median() * 1e3, parts.rewardPass().min() * 1e3,
                parts.rewardPass().max() * 1e3));
        sb.append(String.format("%-22s %9.2f ms %10.2f .. %7.2f ms   (policy forward, backward, update; %.3f GFLOP, "
                        + "%.1f GFLOP/s)%n", "  policy step", parts.policyStep().median() * 1e3,
                parts.policyStep().min() * 1e3, parts.policyStep().max() * 1e3, parts.policyStepFlops() / 1e9,
                r.policyStepGflops()));
        sb.append(String.format("%-22s %12.0f   (B x T = %d tokens per inner step)%n", "tokens/s", r.tokensPerSecond(),
                w.innerStepTokens()));
        sb.append(String.format("%-22s %12.1f   (%.3f GFLOP per inner step; %.0f%% of the GEMM peak)%n",
                "inner step GFLOP/s", r.innerStepGflops(), r.innerStepFlops() / 1e9,
                100 * r.innerStepGflops() / r.gemmPeakGflops()));
        sb.append(String.format("%-22s %12.1f   (%.2f GFLOP per meta step)%n", "meta step GFLOP/s",
                r.metaStepGflops(), r.metaStepFlops() / 1e9));
        sb.append(String.format("%-22s %12.1f   (float32 GEMM %d^3, median of %d, ND4J)%n", "GEMM peak GFLOP/s",
                r.gemmPeakGflops(), WorkloadBenchmark.GEMM_SIZE, WorkloadBenchmark.GEMM_REPEATS));
        if (ref != null) {
            sb.append(String.format("+ %s%n", ref.label()));
        }
        if (ref != null && w.innerSteps() != ref.innerSteps()) {
            sb.append(String.format("* PyTorch's meta step (%.2f s at D = %d) scaled linearly to D = %d%n",
                    ref.metaStepSeconds(), ref.innerSteps(), w.innerSteps()));
        }
        return sb.toString();
    }

    private static String engineLabel(WorkloadBenchmark.Result r) {
        if (r.engine() == DeviceSettings.Engine.ND4J) {
            return "nd4j";
        }
        return "cpu-kernels (" + (r.simdKernels() ? "SIMD" : "scalar") + " float32 kernels)";
    }

    private static String ratio(double value) {
        return Double.isNaN(value) ? "-" : String.format("%.2fx", value);
    }

    private String json(WorkloadBenchmark.Result r) {
        BenchWorkload w = r.workload();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", w.name());
        m.put("dtype", "float32");
        m.put("cpu", HostCpu.current().label());
        m.put("inner_steps", w.innerSteps());
        m.put("meta_step_s", r.metaStep().median());
        m.put("inner_step_s", r.innerStep().median());
        m.put("reward_pass_s", r.innerParts().rewardPass().median());
        m.put("policy_step_s", r.innerParts().policyStep().median());
        m.put("policy_step_gflop", r.innerParts().policyStepFlops() / 1e9);
        m.put("tokens_per_s", r.tokensPerSecond());
        m.put("gflops", r.innerStepGflops());
        m.put("gemm_peak_gflops", r.gemmPeakGflops());
        m.put("meta_step_gflops", r.metaStepGflops());
        m.put("inner_step_gflop", r.innerStepFlops() / 1e9);
        m.put("meta_step_gflop", r.metaStepFlops() / 1e9);
        BenchWorkload.Reference ref = w.reference();
        m.put("pytorch_reference", ref == null ? null : ref.label());
        m.put("pytorch_inner_step_s", ref == null ? null : ref.innerStepSeconds());
        m.put("pytorch_meta_step_s", ref == null ? null : ref.metaStepSecondsAt(w.innerSteps()));
        m.put("inner_step_ratio", Double.isNaN(r.innerStepRatio()) ? null : r.innerStepRatio());
        m.put("meta_step_ratio", Double.isNaN(r.metaStepRatio()) ? null : r.metaStepRatio());
        m.put("meta_steps_timed", r.metaStep().samples());
        m.put("inner_steps_timed", r.innerStep().samples());
        m.put("warmup", warmup);
        m.put("simd_kernels", r.simdKernels());
        m.put("engine", r.engine() == DeviceSettings.Engine.ND4J ? "nd4j" : "cpu-kernels");
        m.put("cpu_threads", r.cpuThreads());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("could not write the bench result as JSON", e);
        }
    }

    /** Shows each phase of the run (warm-up, meta steps, inner steps, GEMM peak) as its own {@link Progress}. */
    private static final class PhaseProgress implements PhaseListener, AutoCloseable {
        private String phase;
        private Progress progress;

        @Override
        public void onProgress(String name, long done, long total, String message) {
            if (!name.equals(phase)) {
                close();
                phase = name;
                progress = new Progress(name, total);
            }
            if (done > 0) {
                progress.step(message);
            }
        }

        @Override
        public void close() {
            if (progress != null) {
                progress.close();
                progress = null;
            }
        }
    }
}
