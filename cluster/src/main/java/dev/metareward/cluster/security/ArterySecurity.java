package dev.metareward.cluster.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.ConfigError;
import dev.metareward.config.NodeSettings;
import dev.metareward.config.TlsSettings;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's Artery (Pekko remoting) settings from the run's config file: the canonical address from its
 * {@code cluster.nodes} entry, and either TLS with mutual authentication ({@code cluster.tls}) or plain TCP under the
 * {@link InsecureBind insecure-bind rule}. Everything that can be checked before the ActorSystem starts is checked
 * here, so a wrong path or password fails at start with the setting's name instead of as failed handshakes later.
 */
public final class ArterySecurity {

    private static final Logger LOG = LoggerFactory.getLogger(ArterySecurity.class);

    private static final String ARTERY = "pekko.remote.artery.";
    private static final String ENGINE = ARTERY + "ssl.config-ssl-engine.";

    private ArterySecurity() {
    }

    /**
     * The Pekko config fragment of this node's remoting, to layer under the node's own Pekko settings
     * ({@code nodeConfig.withFallback(remotingConfig(...))}). Applies the insecure-bind rule (refuses, or logs a loud
     * warning) and, with TLS, opens both stores with the password to prove they work. The password itself is not in
     * the fragment: {@link PasswordSourceSslEngineProvider} reads it from the same file or variable when Artery
     * builds its TLS context.
     *
     * @param cluster the run's cluster settings
     * @param self this node's entry of {@code cluster.nodes}
     * @return {@code pekko.remote.artery} settings: transport, canonical host and port, and the TLS engine
     * @throws ConfigError naming every setting that cannot work: a network address without TLS or opt-in, a missing
     *                     or unreadable store, an empty password source, a password that does not open a store, a key
     *                     store its trust store does not trust
     * @throws IllegalArgumentException when {@code self} is not one of {@code cluster.nodes}
     */
    public static Config remotingConfig(ClusterSettings cluster, NodeSettings self) {
        return remotingConfig(cluster, self, System::getenv);
    }

    /** {@link #remotingConfig(ClusterSettings, NodeSettings)} with the environment passed in (for tests). */
    static Config remotingConfig(ClusterSettings cluster, NodeSettings self, Function<String, String> getenv) {
        int index = cluster.nodes().indexOf(self);
        if (index < 0) {
            throw new IllegalArgumentException("Node \"" + self.name() + "\" is not one of cluster.nodes "
                    + cluster.nodes().stream().map(NodeSettings::name).toList());
        }
        TlsSettings tls = cluster.tls();
        switch (InsecureBind.check(self.host(), tls.enabled(), cluster.allowInsecure())) {
            case REFUSED -> throw new ConfigError(List.of(InsecureBind.refusal(index, self.name(), self.host())));
            case INSECURE_ALLOWED -> InsecureBind.warning(self.name(), self.host(), self.port()).forEach(LOG::warn);
            case TLS -> verifyStores(tls, getenv);
            case LOOPBACK -> {
                // Plain TCP on loopback: only processes on this machine can connect, which they could anyway.
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(ARTERY + "canonical.hostname", self.host());
        settings.put(ARTERY + "canonical.port", self.port());
        settings.put(ARTERY + "transport", tls.enabled() ? "tls-tcp" : "tcp");
        if (tls.enabled()) {
            settings.putAll(tlsEngine(tls));
        }
        return ConfigFactory.parseMap(settings, "metareward cluster.nodes[" + index + "] and cluster.tls");
    }

    private static Map<String, Object> tlsEngine(TlsSettings tls) {
        Map<String, Object> engine = new LinkedHashMap<>();
        engine.put(ARTERY + "ssl.ssl-engine-provider", PasswordSourceSslEngineProvider.class.getName());
        engine.put(ENGINE + "key-store", absolute(tls.keyStore().orElseThrow()));
        engine.put(ENGINE + "trust-store", absolute(tls.trustStore().orElseThrow()));
        // Emptied rather than left at Pekko's "changeme": the password is never in the config, and should the
        // provider be swapped back to Pekko's own, opening the stores then fails instead of trying a known password.
        engine.put(ENGINE + "key-store-password", "");
        engine.put(ENGINE + "key-password", "");
        engine.put(ENGINE + "trust-store-password", "");
        engine.put(ENGINE + PasswordSourceSslEngineProvider.PASSWORD_FILE,
                tls.passwordFile().map(ArterySecurity::absolute).orElse(""));
        engine.put(ENGINE + PasswordSourceSslEngineProvider.PASSWORD_ENV, tls.passwordEnv());
        // Pekko's defaults already, written out so a later change of defaults cannot weaken a run silently.
        engine.put(ENGINE + "protocol", "TLSv1.3");
        engine.put(ENGINE + "require-mutual-authentication", "on");
        // Nodes are authenticated by holding a key the run's CA signed, not by name: the try-out certificate is
        // shared by all nodes and cannot name them, and containers often reach each other under changing names.
        engine.put(ENGINE + "hostname-verification", "off");
        return engine;
    }

    private static void verifyStores(TlsSettings tls, Function<String, String> getenv) {
        PasswordSource source = PasswordSource.of(tls);
        char[] password;
        try {
            password = source.read(getenv);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(List.of(e.getMessage()));
        }
        if (source.readableByOthers()) {
            LOG.warn("The TLS password file {} can be read by other users of this machine; chmod 600 it",
                    source.file().orElseThrow().toAbsolutePath());
        }
        try {
            Path keyPath = tls.keyStore().orElseThrow();
            Path trustPath = tls.trustStore().orElseThrow();
            List<String> problems = new ArrayList<>();
            KeyStore keys = tryLoad(keyPath, TlsStores.KEY_STORE_KEY, password, source, problems);
            KeyStore trust = tryLoad(trustPath, TlsStores.TRUST_STORE_KEY, password, source, problems);
            if (keys != null && trust != null) {
                problems.addAll(TlsStores.checkPair(keys, keyPath, trust, trustPath, password));
            }
            if (!problems.isEmpty()) {
                throw new ConfigError(problems);
            }
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static KeyStore tryLoad(Path path, String key, char[] password, PasswordSource source,
                                    List<String> problems) {
        try {
            return TlsStores.load(path, key, password, source);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private static String absolute(Path path) {
        return path.toAbsolutePath().toString();
    }
}
