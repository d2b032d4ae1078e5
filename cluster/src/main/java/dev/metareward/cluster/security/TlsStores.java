package dev.metareward.cluster.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Opens the key and trust stores the way Pekko's {@code ConfigSSLEngineProvider} does ({@code KeyStore}'s default
 * type, PKCS12 on Java 17, which also reads JKS), so that every problem Pekko would only report at the first
 * connection, as a handshake failure far from its cause, is reported at start with the store's path instead.
 */
final class TlsStores {

    static final String KEY_STORE_KEY = "metareward.cluster.tls.key-store";
    static final String TRUST_STORE_KEY = "metareward.cluster.tls.trust-store";

    private TlsStores() {
    }

    /**
     * Loads a store.
     *
     * @param path the store file
     * @param key the setting that names it, for messages
     * @param password the stores' password
     * @param source where the password came from, for messages
     * @throws IllegalArgumentException with a full sentence naming the setting and the file when the file is missing,
     *                                  unreadable, not a key store, or the password does not open it
     */
    static KeyStore load(Path path, String key, char[] password, PasswordSource source) {
        Path file = path.toAbsolutePath();
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password);
            return store;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("'" + key + "' names " + file + ", which does not exist", e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("'" + key + "' names " + file + ", which this user may not read", e);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new IllegalArgumentException("'" + key + "' names " + file + ", which the password from "
                        + source.describe() + " does not open (wrong password, or stores and password from "
                        + "different gen-certs runs)", e);
            }
            throw new IllegalArgumentException("'" + key + "' names " + file + ", which could not be read as a "
                    + "PKCS12 (or JKS) key store: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("'" + key + "' names " + file + ", which could not be read as a "
                    + "PKCS12 (or JKS) key store: " + e, e);
        }
    }

    /**
     * Checks that the key store holds exactly one private key whose password is the store's, and that the trust store
     * trusts that key's certificate: a node whose own certificate its trust store rejects is always a mix-up (the
     * nodes of a run share one trust store), and would otherwise only show as peers dropping its connections.
     *
     * @return problems, each a sentence naming the setting and file; empty when the pair is usable
     */
    static List<String> checkPair(KeyStore keys, Path keyPath, KeyStore trust, Path trustPath, char[] password) {
        List<String> problems = new ArrayList<>();
        try {
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(keys.aliases())) {
                if (keys.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.size() != 1) {
                problems.add("'" + KEY_STORE_KEY + "' names " + keyPath.toAbsolutePath() + ", which holds "
                        + keyAliases.size() + " private keys " + keyAliases + "; expected exactly one (the node's)");
                return problems;
            }
            String alias = keyAliases.get(0);
            try {
                keys.getKey(alias, password);
            } catch (UnrecoverableKeyException e) {
                problems.add("'" + KEY_STORE_KEY + "' names " + keyPath.toAbsolutePath() + ", whose key \"" + alias
                        + "\" has a password other than the store's; expected one password for both");
                return problems;
            }
            List<Certificate> anchors = new ArrayList<>();
            for (String a : Collections.list(trust.aliases())) {
                if (trust.isCertificateEntry(a)) {
                    anchors.add(trust.getCertificate(a));
                }
            }
            if (anchors.isEmpty()) {
                problems.add("'" + TRUST_STORE_KEY + "' names " + trustPath.toAbsolutePath() + ", which holds no "
                        + "trusted certificate; expected the run CA's certificate");
                return problems;
            }
            String rejected = untrustedReason(keys.getCertificateChain(alias), trust);
            if (rejected != null) {
                problems.add("'" + TRUST_STORE_KEY + "' names " + trustPath.toAbsolutePath() + ", which does not "
                        + "trust this node's own certificate from " + keyPath.toAbsolutePath() + " (" + rejected
                        + "); the other nodes would reject it too: were the stores written by different gen-certs "
                        + "runs?");
            }
        } catch (GeneralSecurityException e) {
            problems.add("'" + KEY_STORE_KEY + "' names " + keyPath.toAbsolutePath() + ", which could not be "
                    + "inspected: " + e);
        }
        return problems;
    }

    /** Validates {@code chain} against the trust store's certificates as PKIX would in the handshake; null = trusted. */
    private static String untrustedReason(Certificate[] chain, KeyStore trust) throws GeneralSecurityException {
        if (chain == null || chain.length == 0) {
            return "the key has no certificate";
        }
        List<X509Certificate> path = new ArrayList<>();
        for (Certificate c : chain) {
            // The anchor itself is not part of a PKIX path; a self-signed anchor alone is trusted as is.
            if (trust.getCertificateAlias(c) != null) {
                return path.isEmpty() ? null : validate(path, trust);
            }
            path.add((X509Certificate) c);
        }
        return validate(path, trust);
    }

    private static String validate(List<X509Certificate> path, KeyStore trust) throws GeneralSecurityException {
        PKIXParameters params = new PKIXParameters(trust);
        // Revocation lists are not part of a run's self-contained trust setup (and would need the network).
        params.setRevocationEnabled(false);
        try {
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            return null;
        } catch (CertPathValidatorException e) {
            return e.getMessage();
        }
    }
}
