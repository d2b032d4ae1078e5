package dev.metareward.cluster.local;

import dev.metareward.actors.evaluator.EvaluationResult;
import dev.metareward.actors.evaluator.PhiEvaluation;
import dev.metareward.actors.run.TrainingComponents;
import dev.metareward.actors.worker.DomainStepFactory;
import dev.metareward.actors.worker.MeteredMetaStep;
import dev.metareward.cluster.run.OuterDiagnosticsLog;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.DomainMetaStep;
import dev.metareward.tensors.bilevel.InnerReward;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.judge.Judge;
import dev.metareward.tensors.judge.Judges;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.pipeline.InitialPhi;
import dev.metareward.tensors.pipeline.PhaseListener;
import dev.metareward.tensors.pipeline.TextScorerReward;
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
    /** Where the domain workers of {@link #steps()} send their diagnostics when no run log is given. */
    private final OuterDiagnosticsLog loggedDiagnostics;
    private INDArray initialPhi;

    public LocalComponents(MetarewardConfig config, MultiDomainData data, Batcher batcher, TransformerModel warmBase) {
        this.config = config;
        this.data = data;
        this.batcher = batcher;
        this.warmBase = warmBase;
        this.loggedDiagnostics = OuterDiagnosticsLog.loggingOnly(config.data().trainingDomains().size());
    }

    /** A fresh model instance sharing the warm-started base weights (copied, so threads never share buffers). */
    public TransformerModel copyOfModel() {
        return warmBase.copyWithSameBase();
    }

    /** The judge of generations that judge.kind asks for (the Bradley-Terry judge gets a model of its own). */
    public Judge judge() {
        return Judges.create(config, data, () -> copyOfModel().reward(), batcher);
    }

    /**
     * The reward of the meta-test's ceiling row: the built-in data set's known reward r*(prompt, response) on each
     * SFT sample, in place of r_phi; empty for a user's data, which has no known reward (no ceiling row then).
     */
    public Optional<InnerReward> ceilingReward() {
        return TextScorerReward.groundTruth(config, data, batcher.tokenizer());
    }

    /**
     * phi at version 0 (outer.phi-init), computed once: the coordinator, the data plane and the final report all
     * start from it, and a Bradley-Terry start costs a reward-model training.
     */
    public synchronized INDArray initialPhi() {
        if (initialPhi == null) {
            initialPhi = InitialPhi.of(config, copyOfModel().reward(), batcher, data, PhaseListener.NONE);
        }
        return initialPhi.dup();
    }

    /** Batches, steps (recording into {@code meters} and the log of per-step diagnostics), initial phi, evaluation. */
    public TrainingComponents build(TrainerMeters meters, OuterDiagnosticsLog diagnostics) {
        Map<String, DomainBatches> batches = new LinkedHashMap<>();
        for (String domain : config.data().trainingDomains()) {
            batches.put(domain, batches(domain));
        }
        return new TrainingComponents(batches, steps(meters, diagnostics), initialPhi(),
                Optional.of(budgetedEvaluation()));
    }

    /** The meta-training batches of one training domain at the start of its data (seeded by the run seed). */
    public DomainBatches batches(String domain) {
        return DomainSampler.overTrainSplit(data.domain(domain), batcher,
                SplitMix64.derive(config.run().seed(), "meta-train", domain));
    }

    /** Each domain worker's computer (a model of its own, on the worker's thread), recording into {@code meters}. */
    public DomainStepFactory steps(TrainerMeters meters) {
        return steps(meters, loggedDiagnostics);
    }

    /** Like {@link #steps(TrainerMeters)}, also recording every step's diagnostics in {@code diagnostics}. */
    public DomainStepFactory steps(TrainerMeters meters, OuterDiagnosticsLog diagnostics) {
        return (domain, domainBatches) -> {
            TransformerModel model = copyOfModel();
            return new MeteredMetaStep(new DomainMetaStep(model.policy(), model.reward(), domainBatches,
                    config.inner(), config.outer(), config.hypergradient()), meters, diagnostics::record);
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
