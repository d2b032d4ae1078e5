package dev.metareward.tensors.bench;

import dev.metareward.tensors.model.transformer.ModelShape;
import java.util.List;

/**
 * One of MATH.md's fixed bench workloads ("Bench workload"): model shape, sequence layout, inner and outer batch
 * sizes, D, alpha and beta, with quoted PyTorch reference figures (date and machine attached) where there are some.
 * The shapes never change, so figures compare across versions and peers; only D may be overridden (for short smoke
 * runs), which {@link #innerStepsOverridden()} records.
 *
 * @param name              "tiny" or "small"
 * @param shape             the transformer (vocabulary 259 of the byte tokenizer)
 * @param promptTokens      positions of BOS + prompt; the rest of the context is response + EOS, all scored
 * @param innerBatch        B
 * @param innerSteps        D
 * @param outerBatch        B' preference pairs
 * @param alpha             inner learning rate
 * @param beta              reward controlling factor
 * @param initStd           standard deviation of the random base weights
 * @param defaultInnerSteps D as MATH.md fixes it (differs from {@code innerSteps} after an override)
 * @param reference         quoted PyTorch figures for this workload, or null when none were measured
 */
public record BenchWorkload(String name, ModelShape shape, int promptTokens, int innerBatch, int innerSteps,
                            int outerBatch, double alpha, double beta, double initStd, int defaultInnerSteps,
                            Reference reference) {

    /** The names {@link #named(String)} accepts. */
    public static final List<String> NAMES = List.of("tiny", "small");

    /**
     * Seconds once measured by an independent PyTorch implementation of the same workload: quoted figures from
     * another run on another day, not measured by this one. On a shared, noisy machine only a comparison run side by
     * side is a fair one, so every output that shows them says when and where they were measured.
     *
     * @param innerStepSeconds one inner step (reward forward for the weights + policy forward and backward)
     * @param metaStepSeconds  one meta step with D = {@code innerSteps} (inner loop + exact hypergradient)
     * @param innerSteps       the D of that meta step
     * @param measured         when they were measured (ISO date)
     * @param machine          what they were measured with and on
     */
    public record Reference(double innerStepSeconds, double metaStepSeconds, int innerSteps, String measured,
                            String machine) {

        /** One line saying what these figures are: for the table and the JSON line. */
        public String label() {
            return machine + ", measured " + measured + "; quoted, not measured in this run";
        }

        /** The reference meta step scaled linearly to {@code steps} inner steps (exact only at the reference D). */
        public double metaStepSecondsAt(int steps) {
            return metaStepSeconds * steps / innerSteps;
        }
    }

    public BenchWorkload {
        if (promptTokens < 1 || promptTokens >= shape.context() - 1) {
            throw new IllegalArgumentException("promptTokens must leave at least one response token in a context of "
                    + shape.context() + " but was " + promptTokens);
        }
        if (innerBatch < 1 || innerSteps < 1 || outerBatch < 1) {
            throw new IllegalArgumentException("batch sizes and inner steps must be >= 1, got B=" + innerBatch + ", D="
                    + innerSteps + ", B'=" + outerBatch);
        }
    }

    /** "tiny": 2 layers, d_model 128, 4 heads, d_ff 512, T 64 = 16 + 48, LoRA rank 8, B 8, D 50, B' 8. */
    public static BenchWorkload tiny() {
        return new BenchWorkload("tiny", new ModelShape(ModelShape.BYTE_VOCAB, 64, 2, 128, 4, 512, 8, 2.0), 16, 8, 50, 8,
                1e-2, 1.0, 0.02, 50, new Reference(4.8e-3, 1.14, 50, "2026-11-26", "PyTorch 1.13, float32, 2 threads, "
                + "on a 2-vCPU AMD EPYC with AVX-512 (the team's run; docs/RESULTS.md)"));
    }

    /** "small": 4 layers, d_model 256, 8 heads, d_ff 1024, T 128 = 32 + 96, LoRA rank 8, B 16, D 20, B' 16. */
    public static BenchWorkload small() {
        return new BenchWorkload("small", new ModelShape(ModelShape.BYTE_VOCAB, 128, 4, 256, 8, 1024, 8, 2.0), 32, 16,
                20, 16, 1e-2, 1.0, 0.02, 20, null);
    }

    /**
     * The workload called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static BenchWorkload named(String name) {
        return switch (name) {
            case "tiny" -> tiny();
            case "small" -> small();
            default -> throw new IllegalArgumentException("unknown bench workload '" + name + "'; expected one of "
                    + NAMES);
        };
    }

    /** This workload with D = {@code steps} (for short runs; the reference meta step is then scaled). */
    public BenchWorkload withInnerSteps(int steps) {
        return new BenchWorkload(name, shape, promptTokens, innerBatch, steps, outerBatch, alpha, beta, initStd,
                defaultInnerSteps, reference);
    }

    public boolean innerStepsOverridden() {
        return innerSteps != defaultInnerSteps;
    }

    /** Scored positions per sequence: response tokens + EOS (every sequence fills the context, no padding). */
    public int scoredPerSequence() {
        return shape.context() - promptTokens;
    }

    /** Tokens one inner step reads: B * T. */
    public long innerStepTokens() {
        return (long) innerBatch * shape.context();
    }
}
