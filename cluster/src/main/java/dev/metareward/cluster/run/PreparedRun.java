package dev.metareward.cluster.run;

import dev.metareward.cluster.local.LocalComponents;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DataSets;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.data.Tokenizers;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.BaseWarmStart;

/**
 * What every process of a run needs before meta-training: the data (generated when missing), the tokenizer and
 * batcher, and the warm-started base model (cached under {@code run.output-dir/base} by a fingerprint of settings,
 * seed and data, so the nodes of a cluster that share the output folder compute it once when started one after the
 * other, as launch-local does).
 *
 * @param config the run's settings
 * @param data every domain's data
 * @param batcher the model's batcher
 * @param model the warm-started model
 * @param components per-worker model copies, batches, judge and initial phi built from them
 */
public record PreparedRun(MetarewardConfig config, MultiDomainData data, Batcher batcher, TransformerModel model,
                          LocalComponents components) {

    /** Loads or generates the data and warm-starts (or loads) the base, showing the warm start's progress. */
    public static PreparedRun prepare(MetarewardConfig config) {
        MultiDomainData data = DataSets.loadOrGenerate(config);
        Tokenizer tokenizer = Tokenizers.fromSetting(config.model().tokenizer());
        Batcher batcher = Batcher.forModel(tokenizer, config.model());
        TransformerModel model = TransformerModel.create(config.model(), tokenizer.vocabSize(),
                SplitMix64.derive(config.run().seed(), "base-init"));
        try (Progress bar = new Progress("base warm start", config.base().steps())) {
            BaseWarmStart.prepare(config, data, batcher, model, (phase, done, total, message) -> bar.step(message));
        }
        return new PreparedRun(config, data, batcher, model, new LocalComponents(config, data, batcher, model));
    }
}
