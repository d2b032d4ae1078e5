package dev.metareward.tensors.data;

/** Builds the tokenizer named by the {@code model.tokenizer} setting. */
public final class Tokenizers {

    /** The setting value that selects {@link ByteTokenizer}. */
    public static final String BYTE = "byte";

    private Tokenizers() {
    }

    /**
     * {@code "byte"} gives the byte-level tokenizer; anything else is taken as the path of a HuggingFace
     * {@code tokenizer.json}, which is planned but not implemented yet.
     *
     * @throws IllegalArgumentException for a tokenizer.json path (not supported yet) or an empty setting
     */
    public static Tokenizer fromSetting(String setting) {
        if (BYTE.equals(setting)) {
            return new ByteTokenizer();
        }
        if (setting == null || setting.isBlank()) {
            throw new IllegalArgumentException("model.tokenizer is empty; expected \"byte\" or the path of a "
                    + "HuggingFace tokenizer.json");
        }
        throw new IllegalArgumentException("model.tokenizer: HuggingFace tokenizer.json files are not supported yet: "
                + setting + "; use model.tokenizer = \"byte\"");
    }
}
