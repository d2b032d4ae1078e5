package dev.metareward.tensors.data;

/**
 * Turns text into token ids and back. Ids {@code 0 .. vocabSize()-1}; {@link #bos()}, {@link #eos()} and
 * {@link #pad()} are special ids that {@link #encode} never produces. Implementations are immutable and
 * thread-safe, so one instance can serve every worker of a JVM.
 */
public interface Tokenizer {

    /** The tokens of {@code text}, without BOS or EOS. */
    int[] encode(String text);

    /**
     * The text of {@code tokens}; special tokens are dropped and byte sequences that are not valid UTF-8 (as a
     * sampling policy may produce) are replaced by U+FFFD rather than failing.
     *
     * @throws IllegalArgumentException if an id is outside {@code [0, vocabSize())}
     */
    String decode(int[] tokens);

    int vocabSize();

    int bos();

    int eos();

    int pad();

    /** True for BOS, EOS and PAD. */
    default boolean isSpecial(int token) {
        return token == bos() || token == eos() || token == pad();
    }
}
