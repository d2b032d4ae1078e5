package dev.metareward.cluster.security;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;

/**
 * Pekko's {@link ConfigSSLEngineProvider} with the stores' password read from the run's password file or environment
 * variable when the TLS context is built, instead of from {@code key-store-password} in the config: the config then
 * only names where the password is, so dumping the ActorSystem's settings never reveals it. Everything else (TLSv1.3,
 * cipher suites, mutual authentication) is Pekko's own code, configured by {@link ArterySecurity}.
 */
public final class PasswordSourceSslEngineProvider extends ConfigSSLEngineProvider {

    /** Key under {@code pekko.remote.artery.ssl.config-ssl-engine} holding the password file, "" when unset. */
    static final String PASSWORD_FILE = "metareward-password-file";
    /** Key under {@code pekko.remote.artery.ssl.config-ssl-engine} holding the password's environment variable. */
    static final String PASSWORD_ENV = "metareward-password-env";

    private final PasswordSource source;

    /**
     * Called by Artery (the {@code ssl-engine-provider} contract: a public constructor taking the ActorSystem).
     *
     * @param system the ActorSystem whose {@code pekko.remote.artery.ssl.config-ssl-engine} configures this provider
     */
    public PasswordSourceSslEngineProvider(ActorSystem system) {
        super(system);
        Config c = config();
        String file = c.getString(PASSWORD_FILE);
        source = new PasswordSource(file.isBlank() ? Optional.empty() : Optional.of(Path.of(file)),
                c.getString(PASSWORD_ENV));
    }

    /** The node's key, from the configured key store opened with the password from the run's password source. */
    @Override
    public KeyManager[] keyManagers() {
        char[] password = source.read(System::getenv);
        try {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(load(SSLKeyStore(), TlsStores.KEY_STORE_KEY, password), password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The TLS key store " + SSLKeyStore() + " could not be used: " + e, e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The certificates peers must chain to, from the configured trust store opened with the same password. */
    @Override
    public TrustManager[] trustManagers() {
        char[] password = source.read(System::getenv);
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(load(SSLTrustStore(), TlsStores.TRUST_STORE_KEY, password));
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The TLS trust store " + SSLTrustStore() + " could not be used: " + e, e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private KeyStore load(String path, String key, char[] password) {
        return TlsStores.load(Path.of(path), key, password, source);
    }
}
