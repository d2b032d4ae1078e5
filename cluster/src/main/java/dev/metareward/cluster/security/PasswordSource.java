package dev.metareward.cluster.security;

import dev.metareward.config.TlsSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Where the TLS stores' password comes from: a file when {@code cluster.tls.password-file} is set, else the
 * environment variable named by {@code cluster.tls.password-env}. Only this description travels through Pekko's
 * config; the password itself is read where it is used, so it never appears in a config dump or a log line.
 *
 * @param file the password file, when set
 * @param env the environment variable read when {@code file} is empty
 */
record PasswordSource(Optional<Path> file, String env) {

    static final String FILE_KEY = "metareward.cluster.tls.password-file";
    static final String ENV_KEY = "metareward.cluster.tls.password-env";

    static PasswordSource of(TlsSettings tls) {
        return new PasswordSource(tls.passwordFile(), tls.passwordEnv());
    }

    /** Names the source for messages, e.g. {@code password file /etc/run/password}. */
    String describe() {
        return file.map(f -> "password file " + f + " ('" + FILE_KEY + "')")
                .orElse("environment variable " + env + " ('" + ENV_KEY + "')");
    }

    /**
     * Reads the password. A file's trailing line break is dropped (so {@code echo secret > file} works); everything
     * else, including inner spaces, is part of the password.
     *
     * @param getenv reads an environment variable ({@code System::getenv}; tests pass a map)
     * @return the password; the caller should {@link Arrays#fill(char[], char)} it when done
     * @throws IllegalArgumentException with a full sentence when the source is missing, unreadable or empty
     */
    char[] read(Function<String, String> getenv) {
        char[] password = file.isPresent() ? readFile(file.get()) : readEnv(getenv);
        if (password.length == 0) {
            throw new IllegalArgumentException("The TLS stores' password from " + describe() + " is empty; put the "
                    + "stores' password there (`metareward gen-certs DIR` writes one with the stores)");
        }
        return password;
    }

    /** True when the password file exists and users other than its owner may read it (POSIX file systems only). */
    boolean readableByOthers() {
        if (file.isEmpty()) {
            return false;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file.get());
            return perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private char[] readEnv(Function<String, String> getenv) {
        String value = env.isBlank() ? null : getenv.apply(env);
        if (value == null) {
            throw new IllegalArgumentException("cluster.tls.enabled = true needs the stores' password, but '"
                    + FILE_KEY + "' is not set and " + (env.isBlank() ? "'" + ENV_KEY + "' is empty"
                    : "environment variable " + env + " is not set") + "; set one of them");
        }
        return value.toCharArray();
    }

    private char[] readFile(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("'" + FILE_KEY + "' names " + path.toAbsolutePath()
                    + ", which does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + FILE_KEY + "' names " + path.toAbsolutePath()
                    + ", which cannot be read: " + e, e);
        }
        CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
        Arrays.fill(bytes, (byte) 0);
        int end = decoded.limit();
        while (end > 0 && (decoded.get(end - 1) == '\n' || decoded.get(end - 1) == '\r')) {
            end--;
        }
        char[] password = Arrays.copyOf(decoded.array(), end);
        Arrays.fill(decoded.array(), '\0');
        return password;
    }
}
