package dev.metareward.cluster.security;

import static dev.metareward.cluster.security.Clusters.cluster;
import static dev.metareward.cluster.security.Clusters.node;
import static dev.metareward.cluster.security.Clusters.noTls;
import static dev.metareward.cluster.security.Clusters.tls;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.ConfigError;
import dev.metareward.config.NodeSettings;
import dev.metareward.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ArterySecurityTest {

    private static final Function<String, String> NO_ENV = name -> null;
    private static final NodeSettings LOOPBACK = node("coord", "127.0.0.1", 25520);
    private static final NodeSettings NETWORK = node("gpu-1", "10.0.0.11", 25520);

    @TempDir
    static Path runA;
    @TempDir
    static Path runB;

    @BeforeAll
    static void writeTwoRunsOfStores() {
        RunCertificates.write(runA, Duration.ofDays(1), false, new SecureRandom());
        RunCertificates.write(runB, Duration.ofDays(1), false, new SecureRandom());
    }

    @Test
    void shouldUsePlainTcpOnLoopbackWithTheNodesAddress() {
        Config c = ArterySecurity.remotingConfig(cluster(false, noTls(), LOOPBACK), LOOPBACK, NO_ENV);
        assertEquals("tcp", c.getString("pekko.remote.artery.transport"));
        assertEquals("127.0.0.1", c.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(25520, c.getInt("pekko.remote.artery.canonical.port"));
        assertFalse(c.hasPath("pekko.remote.artery.ssl"));
    }

    @Test
    void shouldRefuseANetworkAddressWithoutTls() {
        ClusterSettings settings = cluster(false, noTls(), LOOPBACK, NETWORK);
        ConfigError e = assertThrows(ConfigError.class,
                () -> ArterySecurity.remotingConfig(settings, NETWORK, NO_ENV));
        assertTrue(e.getMessage().contains("'metareward.cluster.nodes[1].host'"), e.getMessage());
    }

    @Test
    void shouldStartInsecureOnANetworkAddressWhenAllowedAndWarnLoudly() {
        Logger logger = (Logger) LoggerFactory.getLogger(ArterySecurity.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            Config c = ArterySecurity.remotingConfig(cluster(true, noTls(), LOOPBACK, NETWORK), NETWORK,
                    NO_ENV);
            assertEquals("tcp", c.getString("pekko.remote.artery.transport"));
            assertEquals("10.0.0.11", c.getString("pekko.remote.artery.canonical.hostname"));
        } finally {
            logger.detachAppender(appender);
        }
        long warnings = appender.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
        String text = String.join("\n", appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        assertTrue(warnings >= 3, text);
        assertTrue(text.contains("inject gradients"), text);
    }

    @Test
    void shouldConfigureMutualTls13WithoutPuttingThePasswordIntoTheConfig() throws IOException {
        Config c = ArterySecurity.remotingConfig(cluster(false, tls(runA), NETWORK), NETWORK, NO_ENV);
        assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
        Config engine = c.getConfig("pekko.remote.artery.ssl.config-ssl-engine");
        assertTrue(engine.getBoolean("require-mutual-authentication"));
        assertEquals("TLSv1.3", engine.getString("protocol"));
        assertEquals(runA.resolve(RunCertificates.KEY_STORE).toAbsolutePath().toString(),
                engine.getString("key-store"));
        assertEquals(PasswordSourceSslEngineProvider.class.getName(),
                c.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
        String password = Files.readString(runA.resolve(RunCertificates.PASSWORD));
        assertFalse(c.root().render(ConfigRenderOptions.concise()).contains(password));
    }

    @Test
    void shouldReadThePasswordFromTheEnvironmentWhenNoFileIsSet() throws IOException {
        String password = Files.readString(runA.resolve(RunCertificates.PASSWORD));
        TlsSettings fromEnv = new TlsSettings(true, Optional.of(runA.resolve(RunCertificates.KEY_STORE)),
                Optional.of(runA.resolve(RunCertificates.TRUST_STORE)), Optional.empty(), "RUN_PW");
        Config c = ArterySecurity.remotingConfig(cluster(false, fromEnv, LOOPBACK), LOOPBACK,
                Map.of("RUN_PW", password)::get);
        assertEquals("RUN_PW", c.getString("pekko.remote.artery.ssl.config-ssl-engine."
                + PasswordSourceSslEngineProvider.PASSWORD_ENV));
        ConfigError unset = assertThrows(ConfigError.class,
                () -> ArterySecurity.remotingConfig(cluster(false, fromEnv, LOOPBACK), LOOPBACK, NO_ENV));
        assertTrue(unset.getMessage().contains("environment variable RUN_PW is not set"), unset.getMessage());
    }

    @Test
    void shouldNameAMissingKeyStore(@TempDir Path empty) {
        Path missing = empty.resolve("node.p12");
        ConfigError e = assertThrows(ConfigError.class, () -> ArterySecurity.remotingConfig(
                cluster(false, tls(missing, runA.resolve(RunCertificates.TRUST_STORE),
                        runA.resolve(RunCertificates.PASSWORD)), LOOPBACK), LOOPBACK, NO_ENV));
        assertTrue(e.getMessage().contains("'metareward.cluster.tls.key-store' names " + missing.toAbsolutePath()
                + ", which does not exist"), e.getMessage());
    }

    @Test
    void shouldFailFastWithTheStoresPathWhenThePasswordIsWrong() {
        Path keyStore = runA.resolve(RunCertificates.KEY_STORE);
        ConfigError e = assertThrows(ConfigError.class, () -> ArterySecurity.remotingConfig(
                cluster(false, tls(keyStore, runA.resolve(RunCertificates.TRUST_STORE),
                        runB.resolve(RunCertificates.PASSWORD)), LOOPBACK), LOOPBACK, NO_ENV));
        assertTrue(e.getMessage().contains(keyStore.toAbsolutePath() + ", which the password from password file "
                + runB.resolve(RunCertificates.PASSWORD)), e.getMessage());
        assertTrue(e.getMessage().contains("does not open"), e.getMessage());
    }

    @Test
    void shouldRejectAnEmptyPasswordFile(@TempDir Path dir) throws IOException {
        Path empty = Files.writeString(dir.resolve("password"), "\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ArterySecurity.remotingConfig(
                cluster(false, tls(runA.resolve(RunCertificates.KEY_STORE), runA.resolve(RunCertificates.TRUST_STORE),
                        empty), LOOPBACK), LOOPBACK, NO_ENV));
        assertTrue(e.getMessage().contains("password file " + empty + " ('metareward.cluster.tls.password-file') is "
                + "empty"), e.getMessage());
    }

    @Test
    void shouldRejectAKeyStoreItsOwnTrustStoreDoesNotTrust(@TempDir Path mixed) throws Exception {
        // Run B's trust store under run A's password, so both stores open and only the trust check can fail.
        Path keyStore = runA.resolve(RunCertificates.KEY_STORE);
        Path trustStore = mixed.resolve("trust.p12");
        KeyStore trustB = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(runB.resolve(RunCertificates.TRUST_STORE))) {
            trustB.load(in, Files.readString(runB.resolve(RunCertificates.PASSWORD)).toCharArray());
        }
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trustB.store(out, Files.readString(runA.resolve(RunCertificates.PASSWORD)).toCharArray());
        }
        ConfigError e = assertThrows(ConfigError.class, () -> ArterySecurity.remotingConfig(
                cluster(false, tls(keyStore, trustStore, runA.resolve(RunCertificates.PASSWORD)), LOOPBACK), LOOPBACK,
                NO_ENV));
        assertTrue(e.getMessage().contains("does not trust this node's own certificate"), e.getMessage());
    }

    @Test
    void shouldBuildAConfigPekkoStartsWithAndAMutualTls13Engine() throws Exception {
        NodeSettings self = node("coord", "127.0.0.1", FreePort.find());
        Config remoting = ArterySecurity.remotingConfig(cluster(false, tls(runA), self), self, NO_ENV);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "security-test",
                ConfigFactory.parseString("pekko.actor.provider = remote").withFallback(remoting)
                        .withFallback(ConfigFactory.load()));
        try {
            assertEquals(self.port(), system.address().getPort().get());
            SSLEngine engine = new PasswordSourceSslEngineProvider(system.classicSystem())
                    .createServerSSLEngine("127.0.0.1", self.port());
            assertTrue(engine.getNeedClientAuth());
            assertArrayEquals(new String[] {"TLSv1.3"}, engine.getEnabledProtocols());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
