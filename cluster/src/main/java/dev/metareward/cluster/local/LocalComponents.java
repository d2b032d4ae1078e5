package dev.metareward.cluster.local;

import dev.metareward.actors.evaluator.EvaluationResult;
import dev.metareward.actors.evaluator.PhiEvaluation;
import dev.metareward.actors.run.TrainingComponents;
import dev.metareward.actors.worker.DomainStepFactory;
import dev.metareward.actors.worker.MeteredMetaStep;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.DomainMetaStep;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.judge.Judge;
import dev.metareward.tensors.judge.Judges;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numeric side of a local run. The transformer is not thread-safe, so every domain worker and the evaluator get
 * their own model instance whose frozen base is a copy of the warm-started one.
 */
public final class LocalComponents {
    private final MetarewardConfig config;
    private final MultiDomainData data;
    private final Batcher batcher;
    private final TransformerModel warmBase;

    public LocalComponents(MetarewardConfig config, MultiDomainData data, Batcher batcher, TransformerModel warmBase) {
        this.config = config;
        this.data = data;
        this.batcher = batcher;
        this.warmBase = warmBase;
    }

    /** A fresh model instance sharing the warm-started base weights (copied, so threads never share buffers). */
    public TransformerModel copyOfModel() {
        return warmBase.copyWithSameBase();
    }

    /** The judge of generations that judge.kind asks for (the Bradley-Terry judge gets a model of its own). */
    public Judge judge() {
        return Judges.create(config, data, () -> copyOfModel().reward(), batcher);
    }

    /** phi at version 0, derived from the run seed. */
    public INDArray initialPhi() {
        return warmBase.reward().initialParameters(SplitMix64.derive(config.run().seed(), "phi-init"));
    }

    /** Batches, steps (recording into {@code meters}), initial phi and evaluation of an in-process run. */
    public TrainingComponents build(TrainerMeters meters) {
        Map<String, DomainBatches> batches = new LinkedHashMap<>();
        for (String domain : config.data().trainingDomains()) {
            batches.put(domain, batches(domain));
        }
        return new TrainingComponents(batches, steps(meters), initialPhi(), Optional.of(budgetedEvaluation()));
    }

    /** The meta-training batches of one training domain at the start of its data (seeded by the run seed). */
    public DomainBatches batches(String domain) {
        return DomainSampler.overTrainSplit(data.domain(domain), batcher,
                SplitMix64.derive(config.run().seed(), "meta-train", domain));
    }

    /**
     * Builds each domain worker's computer, with a model instance of its own, on the worker's thread; its steps
     * record into {@code meters}.
     */
    public DomainStepFactory steps(TrainerMeters meters) {
        return (domain, domainBatches) -> {
            TransformerModel model = copyOfModel();
            return new MeteredMetaStep(new DomainMetaStep(model.policy(), model.reward(), domainBatches,
                    config.inner(), config.outer(), config.hypergradient()), meters);
        };
    }

    /**
     * The evaluator's check of a phi snapshot: a budgeted meta-test (meta-test.evaluator-steps) on every domain, then
     * PL accuracy on the training domains' evaluation pairs (the paper's model-selection rule; domains without
     * evaluation pairs are left out) and on all pairs of each held-out domain (reported, never used for selection).
     */
    public PhiEvaluation budgetedEvaluation() {
        TransformerModel model = copyOfModel();
        HeldOutEvaluation evaluation = new HeldOutEvaluation(config, model.policy(), model.reward(), batcher, judge());
        int steps = config.metaTest().evaluatorSteps();
        return (phi, version) -> {
            long started = System.nanoTime();
            double training = evaluation.trainingDomainAccuracy(data, config.data().trainingDomains(), phi, steps);
            Map<String, Double> heldOut = new LinkedHashMap<>();
            for (String domain : config.data().heldOutDomains()) {
                DomainData d = data.domain(domain);
                heldOut.put(domain, evaluation.plAccuracy(evaluation.fineTune(d, phi, steps), d.prefAll()));
            }
            return new EvaluationResult(version, training, heldOut,
                    (System.nanoTime() - started) / 1e9);
        };
    }
}
