package dev.metareward.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Artery TLS with mutual authentication between the nodes of a run: every node presents the key in its key store
 * and trusts only the certificates of the trust store, so a process without the run's keys cannot join.
 * {@code metareward gen-certs DIR} writes a pair for try-outs.
 *
 * @param enabled Artery over tls-tcp instead of plain tcp
 * @param keyStore PKCS12 key store with this node's key and certificate
 * @param trustStore PKCS12 trust store with the certificate(s) the nodes of the run are signed with
 * @param passwordFile file with the stores' password, when set
 * @param passwordEnv environment variable with the stores' password, read when {@code passwordFile} is not set
 */
public record TlsSettings(boolean enabled, Optional<Path> keyStore, Optional<Path> trustStore,
                          Optional<Path> passwordFile, String passwordEnv) {

    static TlsSettings read(SettingsReader r) {
        boolean enabled = r.bool("enabled");
        Optional<Path> keyStore = path(r.string("key-store"));
        Optional<Path> trustStore = path(r.string("trust-store"));
        if (enabled && keyStore.isEmpty()) {
            r.problem("key-store", "expected the path of a PKCS12 key store when tls.enabled = true");
        }
        if (enabled && trustStore.isEmpty()) {
            r.problem("trust-store", "expected the path of a PKCS12 trust store when tls.enabled = true");
        }
        return new TlsSettings(enabled, keyStore, trustStore, path(r.string("password-file")),
                r.string("password-env"));
    }

    private static Optional<Path> path(String value) {
        return value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
    }
}
