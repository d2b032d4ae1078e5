package dev.metareward.tensors.experiment;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Algorithm 2: the policy fine-tuned on the held-out domain's SFT data by reward-weighted likelihood with a fixed
 * phi ({@code meta-test.steps} steps, the same batches for every phi). Where phi comes from is the
 * {@link PhiSource}: the initial phi, or one meta-learned on the fold's training domains.
 */
public final class PhiMetaTestMethod implements HeldOutMethod {

    /** The phi a meta-test uses, learned (or not) from the fold's training domains. */
    @FunctionalInterface
    public interface PhiSource {
        /** phi for this fold and seed; {@code diagnostics} receives figures worth keeping (may be ignored). */
        INDArray phi(FoldContext context, Map<String, Double> diagnostics);
    }

    private final PhiSource source;

    public PhiMetaTestMethod(PhiSource source) {
        this.source = source;
    }

    /** The meta-test with phi at version 0 (how much the reward weighting does without meta-learning). */
    public static PhiMetaTestMethod initialPhi() {
        return new PhiMetaTestMethod((context, diagnostics) -> context.initialPhi());
    }

    /** The meta-test with the phi meta-learned on the fold's training domains (the paper's method). */
    public static PhiMetaTestMethod learnedPhi() {
        return new PhiMetaTestMethod(new MetaLearnedPhi());
    }

    @Override
    public Prepared prepare(FoldContext context) {
        Map<String, Double> diagnostics = new java.util.LinkedHashMap<>();
        INDArray phi = source.phi(context, diagnostics);
        var evaluation = context.evaluation();
        int steps = context.config().metaTest().steps();
        int every = context.config().experiment().curveEvery();
        return new Prepared() {
            @Override
            public INDArray policyFor(dev.metareward.tensors.data.DomainData heldOut, Curve curve) {
                return evaluation.fineTune(heldOut, phi, steps, every, curve);
            }

            @Override
            public Map<String, Double> diagnostics() {
                return diagnostics;
            }
        };
    }
}
