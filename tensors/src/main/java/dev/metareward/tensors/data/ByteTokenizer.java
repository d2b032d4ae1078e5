package dev.metareward.tensors.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The default tokenizer: every UTF-8 byte is a token (ids 0..255), plus BOS = 256, EOS = 257 and PAD = 258, so
 * any text works with no vocabulary file (docs/DATA.md).
 */
public final class ByteTokenizer implements Tokenizer {

    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int PAD = 258;
    public static final int VOCAB_SIZE = 259;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            tokens[i] = bytes[i] & 0xFF;
        }
        return tokens;
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            if (t < 0 || t >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token " + i + " is " + t + ", outside the byte vocabulary [0, "
                        + VOCAB_SIZE + ")");
            }
            if (t < 256) {
                bytes.write(t);
            }
        }
        // new String(byte[], UTF_8) substitutes U+FFFD for malformed sequences instead of throwing.
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int pad() {
        return PAD;
    }

    @Override
    public String toString() {
        return "byte";
    }
}
