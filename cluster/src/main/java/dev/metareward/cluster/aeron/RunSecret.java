package dev.metareward.cluster.aeron;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The per-run secret from which the keys of every data-plane frame's MAC are derived ({@link FrameMac}): frames of a
 * process that does not know it (another run, a stray tool) are dropped at the transport boundary.
 *
 * <p>Read from a file ({@code cluster.secret-file}) or an environment variable ({@code cluster.secret-env}). The
 * bytes are used as they are, except that one trailing line break of a file is ignored (editors add one). At least
 * {@link #MIN_LENGTH} bytes are required. {@link #toString()} never shows the bytes.
 */
public final class RunSecret {

    /** The shortest secret accepted, in bytes (128 bits). */
    public static final int MIN_LENGTH = 16;

    private final byte[] bytes;
    private final String source;

    private RunSecret(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("the run secret from " + source + " is empty; put at least "
                    + MIN_LENGTH + " random bytes there (e.g. `head -c 32 /dev/urandom | base64`)");
        }
        if (bytes.length < MIN_LENGTH) {
            throw new IllegalArgumentException("the run secret from " + source + " has " + bytes.length
                    + " bytes; at least " + MIN_LENGTH + " are required (e.g. `head -c 32 /dev/urandom | base64`)");
        }
        this.bytes = bytes.clone();
        this.source = source;
    }

    /**
     * A secret given directly (tests, and {@code launch-local}, which makes a random one for its children).
     *
     * @throws IllegalArgumentException when shorter than {@link #MIN_LENGTH} bytes
     */
    public static RunSecret of(byte[] bytes) {
        return new RunSecret(bytes, "the caller");
    }

    /**
     * Reads the secret from {@code file}.
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable, empty or too short
     */
    public static RunSecret fromFile(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("run secret file " + file.toAbsolutePath() + " does not exist "
                    + "(cluster.secret-file); create it with e.g. `head -c 32 /dev/urandom | base64 > " + file + "`",
                    e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read run secret file " + file.toAbsolutePath() + ": " + e,
                    e);
        }
        return new RunSecret(stripOneLineBreak(content), "file " + file.toAbsolutePath());
    }

    /**
     * Reads the secret from environment variable {@code name} of {@code environment}.
     *
     * @throws IllegalArgumentException naming the variable when it is unset, empty or too short
     */
    public static RunSecret fromEnvironment(String name, Map<String, String> environment) {
        String value = environment.get(name);
        if (value == null) {
            throw new IllegalArgumentException("environment variable " + name + " (cluster.secret-env) holding the "
                    + "run secret is not set; set it to the same random string on every node, or set "
                    + "cluster.secret-file");
        }
        return new RunSecret(value.getBytes(StandardCharsets.UTF_8), "environment variable " + name);
    }

    /**
     * The secret as the cluster settings name it: the file when {@code secretFile} is present, else the environment
     * variable {@code secretEnv} of this process.
     */
    public static RunSecret resolve(Optional<Path> secretFile, String secretEnv) {
        return secretFile.map(RunSecret::fromFile).orElseGet(() -> fromEnvironment(secretEnv, System.getenv()));
    }

    /** A copy of the secret's bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Number of bytes of the secret. */
    public int length() {
        return bytes.length;
    }

    /** Where the secret was read from (a file or variable name, never the secret). */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "RunSecret[" + bytes.length + " bytes from " + source + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RunSecret other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    private static byte[] stripOneLineBreak(byte[] content) {
        int end = content.length;
        if (end > 0 && content[end - 1] == '\n') {
            end--;
            if (end > 0 && content[end - 1] == '\r') {
                end--;
            }
        }
        return Arrays.copyOf(content, end);
    }
}
