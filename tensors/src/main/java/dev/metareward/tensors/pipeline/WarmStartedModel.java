package dev.metareward.tensors.pipeline;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DataSets;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.data.Tokenizers;
import dev.metareward.tensors.model.transformer.TransformerModel;

/**
 * The data (generated when missing), the batcher and the model with its warm-started base: what both {@code train}
 * and {@code experiment} need before any method runs. The warm start is cached by {@link BaseWarmStart}.
 *
 * @param data every domain's data
 * @param batcher the model's batcher
 * @param model the model whose base is warm-started
 */
public record WarmStartedModel(MultiDomainData data, Batcher batcher, TransformerModel model) {

    /** Loads or generates the data, creates the model from run.seed and warm-starts (or loads) its base. */
    public static WarmStartedModel prepare(MetarewardConfig config, PhaseListener listener) {
        MultiDomainData data = DataSets.loadOrGenerate(config);
        Tokenizer tokenizer = Tokenizers.fromSetting(config.model().tokenizer());
        Batcher batcher = Batcher.forModel(tokenizer, config.model());
        TransformerModel model = TransformerModel.create(config.model(), config.device(), tokenizer.vocabSize(),
                SplitMix64.derive(config.run().seed(), "base-init"));
        BaseWarmStart.prepare(config, data, batcher, model, listener);
        return new WarmStartedModel(data, batcher, model);
    }
}
