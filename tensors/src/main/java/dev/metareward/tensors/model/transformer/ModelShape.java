package dev.metareward.tensors.model.transformer;

import dev.metareward.config.ModelSettings;

/**
 * Every number that fixes the size of the base transformer and its adapters.
 *
 * @param vocab     vocabulary size (259 for the byte tokenizer)
 * @param context   positions (sequence length T of every batch)
 * @param layers    transformer blocks
 * @param dModel    width of the residual stream
 * @param heads     attention heads (a divisor of dModel)
 * @param dFf       hidden width of the MLP
 * @param loraRank  rank r of each LoRA adapter
 * @param loraScale scale s of the LoRA update (delta W = s * B A)
 */
public record ModelShape(int vocab, int context, int layers, int dModel, int heads, int dFf, int loraRank,
                         double loraScale) {

    /** Vocabulary of the byte tokenizer: 256 bytes + BOS, EOS, PAD (DATA.md). */
    public static final int BYTE_VOCAB = 259;

    public ModelShape {
        if (vocab < 2 || context < 2 || layers < 1 || dModel < 1 || heads < 1 || dFf < 1 || loraRank < 1) {
            throw new IllegalArgumentException("model shape needs vocab >= 2, context >= 2 and positive sizes, got " + describe(
                    vocab, context, layers, dModel, heads, dFf) + ", lora rank " + loraRank);
        }
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("d-model " + dModel + " is not divisible by heads " + heads);
        }
        if (!(loraScale > 0) || Double.isInfinite(loraScale)) {
            throw new IllegalArgumentException("lora scale must be positive and finite, got " + loraScale);
        }
    }

    /** The shape described by {@code settings} for a tokenizer with {@code vocab} tokens. */
    public static ModelShape of(ModelSettings settings, int vocab) {
        return new ModelShape(vocab, settings.context(), settings.layers(), settings.dModel(), settings.heads(),
                settings.dFf(), settings.loraRank(), settings.loraScale());
    }

    public int headDim() {
        return dModel / heads;
    }

    /** True when base weights of {@code other} fit this model (LoRA settings do not matter for the base). */
    public boolean sameBase(ModelShape other) {
        return vocab == other.vocab && context == other.context && layers == other.layers && dModel == other.dModel
                && heads == other.heads && dFf == other.dFf;
    }

    /** The base part of the shape as a short phrase for messages. */
    public String describeBase() {
        return describe(vocab, context, layers, dModel, heads, dFf);
    }

    static String describe(int vocab, int context, int layers, int dModel, int heads, int dFf) {
        return "vocab " + vocab + ", context " + context + ", layers " + layers + ", d-model " + dModel + ", heads "
                + heads + ", d-ff " + dFf;
    }
}
