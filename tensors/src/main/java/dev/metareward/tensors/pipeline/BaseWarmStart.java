package dev.metareward.tensors.pipeline;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.model.transformer.BaseTrainer;
import dev.metareward.tensors.model.transformer.CheckpointException;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLE warm start of the whole base model on the SFT data of all domains (the paper's setting lets SFT see both
 * training and test domains). The result is saved under the run's output folder keyed by a fingerprint of the
 * model settings, base settings, seed and data, and reused when none of them changed.
 */
public final class BaseWarmStart {
    private static final Logger LOG = LoggerFactory.getLogger(BaseWarmStart.class);

    private BaseWarmStart() {
    }

    /** Brings {@code model}'s base to the warm-started weights, training them only when no matching checkpoint exists. */
    public static Path prepare(MetarewardConfig config, MultiDomainData data, Batcher batcher, TransformerModel model,
                               PhaseListener listener) {
        String fingerprint = Fingerprints.of(config.model().toString(), config.base().toString(),
                Long.toString(config.run().seed()), Fingerprints.ofData(data));
        Path file = config.run().outputDir().resolve("base").resolve("base-" + fingerprint.substring(0, 16) + ".ckpt");
        if (Files.isRegularFile(file)) {
            try {
                model.loadBase(file);
                LOG.info("base model: reusing warm start {} (settings and data unchanged)", file);
                return file;
            } catch (CheckpointException e) {
                LOG.warn("base model: {} is unusable ({}); training the warm start again", file, e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("could not read base checkpoint " + file, e);
            }
        }
        train(config, data, batcher, model, listener);
        try {
            Files.createDirectories(file.getParent());
            model.saveBase(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write base checkpoint " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private static void train(MetarewardConfig config, MultiDomainData data, Batcher batcher, TransformerModel model,
                              PhaseListener listener) {
        int steps = config.base().steps();
        if (steps == 0) {
            LOG.info("base model: base.steps = 0, keeping the random base");
            return;
        }
        List<SftSample> all = new ArrayList<>();
        for (String domain : data.domains()) {
            all.addAll(data.domain(domain).sftTrain());
        }
        DomainSampler sampler = new DomainSampler("all-domains", all, List.of(), batcher,
                SplitMix64.derive(config.run().seed(), "base-warm-start"));
        BaseTrainer trainer = model.baseTrainer(config.base().learningRate());
        double first = Double.NaN;
        double smoothed = Double.NaN;
        for (int step = 1; step <= steps; step++) {
            double loss = trainer.step(sampler.nextSftBatch(config.base().batch()));
            first = step == 1 ? loss : first;
            smoothed = Double.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
            listener.onProgress("base warm start", step, steps, String.format("loss %.3f", smoothed));
        }
        LOG.info("base model: warm start of {} steps on {} SFT samples, token loss {} -> {}", steps, all.size(),
                String.format("%.3f", first), String.format("%.3f", smoothed));
    }
}
