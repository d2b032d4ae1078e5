package dev.metareward.cluster.cli;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.MetaTrainer;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DataSets;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.data.Tokenizers;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.BaseWarmStart;
import dev.metareward.tensors.pipeline.Fingerprints;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.report.DomainResult;
import dev.metareward.tensors.report.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code metareward train}: data (generated if needed) -> base warm start -> meta-training (Algorithm 1) ->
 * meta-test on every held-out domain (Algorithm 2) -> report with plots in the run's output folder.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline: data, base warm start, meta-training, meta-test on held-out domains, report.")
final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() {
        MetarewardConfig config = configOptions.load();
        Path out = config.run().outputDir();
        writeResolvedConfig(config, out);
        long started = System.nanoTime();

        MultiDomainData data = DataSets.loadOrGenerate(config);
        Tokenizer tokenizer = Tokenizers.fromSetting(config.model().tokenizer());
        Batcher batcher = Batcher.forModel(tokenizer, config.model());
        TransformerModel model = TransformerModel.create(config.model(), tokenizer.vocabSize(),
                SplitMix64.derive(config.run().seed(), "base-init"));
        try (Progress progress = new Progress("base warm start", config.base().steps())) {
            BaseWarmStart.prepare(config, data, batcher, model, (phase, done, total, message) -> progress.step(message));
        }

        INDArray phi0 = model.reward().initialParameters(SplitMix64.derive(config.run().seed(), "phi-init"));
        List<DomainBatches> training = new ArrayList<>();
        for (String domain : config.data().trainingDomains()) {
            training.add(DomainSampler.overTrainSplit(data.domain(domain), batcher,
                    SplitMix64.derive(config.run().seed(), "meta-train", domain)));
        }
        MetaTrainer trainer = MetaTrainer.create(model.policy(), model.reward(), training, config.inner(),
                config.outer(), config.hypergradient(), phi0.dup());
        List<Double> outerLoss = new ArrayList<>();
        try (Progress progress = new Progress("meta-training", config.outer().steps())) {
            trainer.addListener(record -> {
                outerLoss.add(record.meanOuterLoss());
                progress.step(String.format("loss_PL %.4f |g| %.3g%s", record.meanOuterLoss(), record.gradientNorm(),
                        record.applied() ? "" : " (refused)"));
            });
            trainer.train(config.outer().steps());
        }
        LOG.info("meta-training: {} outer steps, phi version {}, {} refused", config.outer().steps(), trainer.version(),
                trainer.optimizer().refusedSteps());

        HeldOutEvaluation evaluation = new HeldOutEvaluation(config, model.policy(), model.reward(), batcher,
                GroundTruthScorer.forDomains(data.domains()));
        List<DomainResult> results = new ArrayList<>();
        try (Progress progress = new Progress("meta-test", 2L * config.data().heldOutDomains().size())) {
            for (String domain : config.data().heldOutDomains()) {
                results.add(evaluation.evaluate(data.domain(domain), phi0, trainer.phi(),
                        (phase, done, total, message) -> progress.step(domain + ": " + message)));
            }
        }
        TrainingReport report = new TrainingReport(config.run().id(), provenance(config, data, started), outerLoss,
                results);
        report.write(out);
        System.out.println(ResultTable.format(report));
        System.out.println("report, plots and checkpoints: " + out.toAbsolutePath());
        return 0;
    }

    private static Map<String, Object> provenance(MetarewardConfig config, MultiDomainData data, long startedNanos) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("run_id", config.run().id());
        p.put("seed", config.run().seed());
        p.put("data", data.location());
        p.put("data_sha256", Fingerprints.ofData(data));
        p.put("config_sha256", Fingerprints.of(config.render(false)));
        p.put("java", System.getProperty("java.version"));
        p.put("nd4j_backend", org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        p.put("wall_seconds", (System.nanoTime() - startedNanos) / 1e9);
        return p;
    }

    private static void writeResolvedConfig(MetarewardConfig config, Path out) {
        try {
            Files.createDirectories(out);
            Files.writeString(out.resolve("resolved.conf"), "metareward " + config.render(true) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to run.output-dir " + out + ": " + e.getMessage(), e);
        }
    }
}
