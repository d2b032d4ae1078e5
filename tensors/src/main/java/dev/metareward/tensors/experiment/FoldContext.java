package dev.metareward.tensors.experiment;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.judge.Judge;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.pipeline.InitialPhi;
import dev.metareward.tensors.pipeline.PhaseListener;
import dev.metareward.tensors.pipeline.TextScorerReward;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a method gets for one fold and seed: the settings of this fold and seed (run.seed is the seed,
 * data.training-domains / held-out-domains are the fold's, inner.beta the variant's), the data, the batcher and the
 * model with the warm-started base shared by every method (it trained on SFT data only, which every method may
 * use), and the judge.
 *
 * <p>The model is not thread-safe; methods run one at a time on it. A method that changes the base (e.g. DPO on the
 * full model) must work on a copy ({@link #copyOfModel()}).
 *
 * @param config the fold's and seed's settings
 * @param fold the fold
 * @param data every domain's data; only the fold's training domains' preference pairs may train
 * @param batcher the model's batcher
 * @param model the model with the warm-started base (policy theta_0 = the SFT policy)
 * @param judge scores generations
 * @param listener progress of long phases inside the method
 */
public record FoldContext(MetarewardConfig config, Fold fold, MultiDomainData data, Batcher batcher,
                          TransformerModel model, Judge judge, PhaseListener listener) {

    public long seed() {
        return config.run().seed();
    }

    /** phi at version 0 for this seed and fold (outer.phi-init), the same derivation as {@code train} uses. */
    public INDArray initialPhi() {
        return InitialPhi.of(config, model.reward(), batcher, data, listener);
    }

    /** Fine-tuning and scoring on this context's model with this fold's settings (Algorithm 2, PL accuracy...),
     * with the ceiling reward where the data has a known one. */
    public HeldOutEvaluation evaluation() {
        return new HeldOutEvaluation(config, model.policy(), model.reward(), batcher, judge,
                TextScorerReward.groundTruth(config, data, batcher.tokenizer()));
    }

    /** A fresh model whose base is a copy of the warm-started one, for methods that train the base. */
    public TransformerModel copyOfModel() {
        return model.copyWithSameBase();
    }
}
