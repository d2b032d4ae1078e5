package dev.metareward.tensors.experiment;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.MetaTrainer;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * phi meta-learned on the fold's training domains (Algorithm 1, sync mode, in this thread with {@link MetaTrainer},
 * which applies the same {@code OuterRound} as the actor system's coordinator), then chosen as in the paper: at every
 * multiple of training.evaluate-every versions (phi_0 included, as in {@code train}) and at the last one, a budgeted
 * meta-test (meta-test.evaluator-steps) on each training domain scores phi by PL accuracy on the training domains'
 * evaluation pairs; the best phi wins. The held-out domains' data never enters training or selection.
 */
final class MetaLearnedPhi implements PhiMetaTestMethod.PhiSource {
    private static final Logger LOG = LoggerFactory.getLogger(MetaLearnedPhi.class);

    @Override
    public INDArray phi(FoldContext context, Map<String, Double> diagnostics) {
        MetarewardConfig config = context.config();
        List<String> domains = context.fold().trainingDomains();
        List<DomainBatches> batches = new ArrayList<>();
        for (String domain : domains) {
            // The seed derivation of `train` (LocalComponents.batches), so a fold meets the data in the same order.
            batches.add(DomainSampler.overTrainSplit(context.data().domain(domain), context.batcher(),
                    SplitMix64.derive(context.seed(), "meta-train", domain)));
        }
        MetaTrainer trainer = MetaTrainer.create(context.model().policy(), context.model().reward(), batches,
                config.inner(), config.outer(), config.hypergradient(), context.initialPhi());
        HeldOutEvaluation evaluation = context.evaluation();
        int steps = config.outer().steps();
        int every = config.training().evaluateEvery();
        String phase = "meta-training on " + domains;
        Selection selection = new Selection(phi -> evaluation.trainingDomainAccuracy(context.data(), domains, phi,
                config.metaTest().evaluatorSteps()));
        if (every > 0 || steps == 0) {
            LOG.info("fold {} seed {}: phi_0 training-domain PL accuracy {}", context.fold().name(), context.seed(),
                    String.format("%.3f", selection.consider(trainer.phi(), trainer.version())));
        }
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int s = 1; s <= steps; s++) {
            MetaTrainer.OuterStepRecord record = trainer.step();
            firstLoss = s == 1 ? record.meanOuterLoss() : firstLoss;
            lastLoss = record.meanOuterLoss();
            long version = trainer.version();
            boolean evaluate = s == steps || (every > 0 && record.applied() && version % every == 0);
            String message = String.format("v%d loss_PL %.4f", version, record.meanOuterLoss());
            if (evaluate && version > 0) {
                message += String.format(" training PL accuracy %.3f", selection.consider(trainer.phi(), version));
            }
            context.listener().onProgress(phase, s, steps, message);
        }
        if (Double.isNaN(selection.bestAccuracy)) {
            // No training domain has evaluation pairs: nothing can select, keep the last.
            selection.keep(trainer.phi(), trainer.version());
        }
        LOG.info("fold {} seed {}: phi v{} selected (training-domain PL accuracy {}), loss_PL {} -> {}",
                context.fold().name(), context.seed(), selection.bestVersion,
                String.format("%.3f", selection.bestAccuracy), String.format("%.3f", firstLoss),
                String.format("%.3f", lastLoss));
        diagnostics.put("selected_phi_version", (double) selection.bestVersion);
        diagnostics.put("selection_pl_accuracy", selection.bestAccuracy);
        diagnostics.put("outer_loss_first", firstLoss);
        diagnostics.put("outer_loss_last", lastLoss);
        return selection.best;
    }

    /** The best phi so far by training-domain PL accuracy; the first of equal accuracies wins. */
    private static final class Selection {
        private final ToDoubleFunction<INDArray> accuracy;
        private INDArray best;
        private double bestAccuracy = Double.NaN;
        private long bestVersion;

        Selection(ToDoubleFunction<INDArray> accuracy) {
            this.accuracy = accuracy;
        }

        /** Scores phi (at {@code version}) and keeps a copy when it is the best so far; returns its score. */
        double consider(INDArray phi, long version) {
            double score = accuracy.applyAsDouble(phi);
            if (Double.isNaN(bestAccuracy) || score > bestAccuracy) {
                keep(phi, version);
                bestAccuracy = score;
            }
            return score;
        }

        void keep(INDArray phi, long version) {
            best = phi.dup();
            bestVersion = version;
        }
    }
}
