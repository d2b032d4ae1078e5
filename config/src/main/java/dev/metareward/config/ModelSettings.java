package dev.metareward.config;

import java.util.Set;

/** Shape and precision of the frozen base transformer and its LoRA adapters. */
public record ModelSettings(DType dtype, String tokenizer, int layers, int dModel, int heads, int dFf,
                            int context, int promptTokens, int loraRank, double loraScale, double initStd) {

    /** Tensor precision. */
    public enum DType { FLOAT32, FLOAT64 }

    public int responseTokens() {
        return context - promptTokens;
    }

    static ModelSettings read(SettingsReader r) {
        String dtype = r.oneOf("dtype", Set.of("float32", "float64"));
        int dModel = r.intIn("d-model", 8, 1 << 16);
        int heads = r.intIn("heads", 1, 1024);
        if (heads > 0 && dModel % heads != 0) {
            r.problem("heads", "expected a divisor of d-model (" + dModel + ") but was " + heads);
        }
        int context = r.intIn("context", 4, 1 << 16);
        int prompt = r.intIn("prompt-tokens", 1, 1 << 16);
        if (prompt >= context - 1) {
            r.problem("prompt-tokens", "expected fewer than context - 1 (" + (context - 1)
                    + ") so that a response token fits, but was " + prompt);
        }
        return new ModelSettings("float64".equals(dtype) ? DType.FLOAT64 : DType.FLOAT32, r.string("tokenizer"),
                r.intIn("layers", 1, 256), dModel, heads, r.intIn("d-ff", 1, 1 << 20), context, prompt,
                r.intIn("lora-rank", 1, 4096), r.positive("lora-scale"), r.positive("init-std"));
    }
}
