package dev.metareward.tensors.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The deterministic train/eval split used when a data set has no {@code *.eval.jsonl} files: a sample is in the
 * evaluation split when the SHA-256 of its UTF-8 prompt, read as a number in [0, 1), is below the eval fraction.
 * The side depends on the prompt alone (never on file order, domain, JVM or seed), so the same prompt is never both
 * trained and evaluated on, and SFT samples and preference pairs that share a prompt land on the same side.
 */
public final class PromptSplit {

    private PromptSplit() {
    }

    /** The prompt's fixed position in [0, 1): the first 53 bits of SHA-256(UTF-8 prompt). */
    public static double position(String prompt) {
        byte[] digest = sha256(prompt.getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(digest).getLong() >>> 11;
        return bits * 0x1.0p-53;
    }

    /** True when a sample with this prompt belongs to the evaluation split. */
    public static boolean isEval(String prompt, double evalFraction) {
        return position(prompt) < evalFraction;
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
