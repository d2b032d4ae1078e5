package dev.metareward.tensors.bench;

import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import dev.metareward.tensors.model.transformer.KernelProfile;
import dev.metareward.tensors.model.transformer.LoraPolicy;
import dev.metareward.tensors.model.transformer.LoraReward;
import dev.metareward.tensors.model.transformer.ModelShape;
import dev.metareward.tensors.model.transformer.TransformerModel;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times the model on MATH.md's "tiny" bench workload (vocab 259, T 64 = 16 prompt + 48 response, 2 layers, d 128,
 * 4 heads, d_ff 512, LoRA rank 8, batch 8, float32): policy forward, policy forward+backward of the weighted
 * log-likelihood, reward forward, reward forward+backward and one inner step (reward forward for the weights +
 * policy forward+backward), against a float32 GEMM 1024^3 peak measured in the same run.
 *
 * <p>Run with {@code OMP_WAIT_POLICY=PASSIVE} and {@code --add-modules jdk.incubator.vector}; arguments:
 * {@code [iterations] [warmup]}.
 */
public final class ModelStepBenchmark {

    /** Median and spread (min, max) of one timed operation, in milliseconds. */
    public record Timing(String name, double medianMs, double minMs, double maxMs) {
        @Override
        public String toString() {
            return String.format("%-28s median %7.2f ms  (min %6.2f, max %7.2f)", name, medianMs, minMs, maxMs);
        }
    }

    /** Everything one run measured. */
    public record Result(List<Timing> timings, double gemmPeakGflops, double innerStepGflop,
                         Map<String, Double> kernelMsPerInnerStep, String kernels, long offHeapGrowthBytes) {
    }

    private ModelStepBenchmark() {
    }

    public static ModelShape tinyShape() {
        return BenchWorkload.tiny().shape();
    }

    /** Random tokens from a fixed seed: BOS + 15 prompt tokens, 48 scored response tokens, no padding. */
    public static TokenBatch tinyBatch(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int t = 64;
        int[][] tokens = new int[rows][t];
        boolean[][] scored = new boolean[rows][t];
        int[] last = new int[rows];
        for (int b = 0; b < rows; b++) {
            tokens[b][0] = 256;
            for (int p = 1; p < t; p++) {
                tokens[b][p] = random.nextInt(256);
                scored[b][p] = p >= 16;
            }
            tokens[b][t - 1] = 257;
            last[b] = t - 1;
        }
        return new TokenBatch(tokens, scored, last);
    }

    public static Result run(int iterations, int warmup) {
        KernelProfile profile = KernelProfile.create(tinyShape(), DataType.FLOAT, 0.02, 1);
        TransformerModel model = profile.model();
        LoraPolicy policy = model.policy();
        LoraReward reward = model.reward();
        TokenBatch batch = tinyBatch(8, 7);
        INDArray theta = policy.initialParameters();
        INDArray phi = reward.initialParameters(3);
        double[] weights = new double[8];
        Arrays.fill(weights, 1.0 / 8);

        List<Timing> timings = new ArrayList<>();
        timings.add(time("policy forward", iterations, warmup, () -> policy.sequenceLogProbs(theta, batch).close()));
        timings.add(time("policy forward+backward", iterations, warmup, () -> {
            ValueAndGradient vg = policy.sequenceLogProbsAndGradient(theta, batch, weights);
            vg.values().close();
            vg.gradient().close();
        }));
        timings.add(time("reward forward", iterations, warmup, () -> reward.rewards(phi, batch).close()));
        timings.add(time("reward forward+backward", iterations, warmup, () -> {
            ValueAndGradient vg = reward.rewardsAndGradient(phi, batch, weights);
            vg.values().close();
            vg.gradient().close();
        }));
        Runnable inner = () -> {
            INDArray r = reward.rewards(phi, batch);
            double[] w = new double[8];
            for (int i = 0; i < 8; i++) {
                w[i] = Math.exp(Math.max(-20, Math.min(20, r.getDouble(i)))) / 8;
            }
            r.close();
            ValueAndGradient vg = policy.sequenceLogProbsAndGradient(theta, batch, w);
            theta.addi(vg.gradient().muli(0.0)); // same work as theta += alpha * G, without drifting the benchmark
            vg.values().close();
            vg.gradient().close();
        };
        long before = Pointer.physicalBytes();
        timings.add(time("inner step", iterations, warmup, inner));
        profile.reset();
        for (int i = 0; i < iterations; i++) {
            inner.run();
        }
        Map<String, Double> kernelMs = new LinkedHashMap<>();
        profile.kernelNanos().forEach((k, v) -> kernelMs.put(k, v / 1e6 / iterations));
        long growth = Pointer.physicalBytes() - before;
        double innerStepFlops = new TransformerFlops(tinyShape()).innerStep(BenchWorkload.tiny());
        return new Result(timings, GemmPeak.measure(1024, 10, 3), innerStepFlops / 1e9, kernelMs,
                profile.kernelImplementation(), growth);
    }

    static Timing time(String name, int iterations, int warmup, Runnable op) {
        for (int i = 0; i < warmup; i++) {
            op.run();
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long s = System.nanoTime();
            op.run();
            ms[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(ms);
        return new Timing(name, ms[iterations / 2], ms[0], ms[iterations - 1]);
    }

    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        long rssBefore = residentBytes();
        Result result = run(iterations, warmup);
        StringBuilder out = new StringBuilder();
        out.append(String.format("tiny workload, float32, B=8, T=64, kernels %s, %d iterations after %d warm-up%n",
                result.kernels(), iterations, warmup));
        result.timings().forEach(t -> out.append(t).append('\n'));
        double innerMs = result.timings().get(result.timings().size() - 1).medianMs();
        out.append(String.format("GEMM 1024^3 float32 peak      %7.1f GFLOP/s%n", result.gemmPeakGflops()));
        out.append(String.format("inner step: %.3f GFLOP (TransformerFlops) -> %.1f GFLOP/s achieved%n",
                result.innerStepGflop(), result.innerStepGflop() / (innerMs / 1e3)));
        double kernelTotal = result.kernelMsPerInnerStep().values().stream().mapToDouble(Double::doubleValue).sum();
        out.append(String.format("element-wise kernels per inner step: %.2f ms total%n", kernelTotal));
        result.kernelMsPerInnerStep().forEach((k, v) -> out.append(String.format("  %-20s %6.3f ms%n", k, v)));
        out.append(String.format("off-heap (JavaCPP physicalBytes) change over the timed inner steps: %+.1f MB; "
                + "RSS %d MB -> %d MB%n", result.offHeapGrowthBytes() / 1e6, rssBefore >> 20, residentBytes() >> 20));
        System.out.print(out);
    }
}
