package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.metareward.cluster.security.RunCertificates;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.TlsSettings;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenCertsCommandTest {

    @Test
    void shouldWriteStoresThatOpenWithTheWrittenPassword(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("certs");
        CliRun run = CliRun.of("gen-certs", dir.toString());
        assertEquals(0, run.exitCode(), run.err());

        char[] password = Files.readString(dir.resolve(RunCertificates.PASSWORD)).toCharArray();
        assertTrue(password.length >= 32);
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve(RunCertificates.PASSWORD))));

        KeyStore keys = load(dir.resolve(RunCertificates.KEY_STORE), password);
        List<String> keyAliases = Collections.list(keys.aliases());
        assertEquals(1, keyAliases.size());
        Certificate[] chain = keys.getCertificateChain(keyAliases.get(0));
        assertEquals(2, chain.length, "node certificate and the run CA");
        KeyStore trust = load(dir.resolve(RunCertificates.TRUST_STORE), password);
        List<String> trustAliases = Collections.list(trust.aliases());
        assertEquals(1, trustAliases.size());
        X509Certificate ca = (X509Certificate) trust.getCertificate(trustAliases.get(0));
        assertEquals(ca, chain[1]);
        chain[0].verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the trusted certificate is a CA");
        assertEquals(-1, ((X509Certificate) chain[0]).getBasicConstraints(), "the node certificate is not a CA");
    }

    @Test
    void shouldPrintConfigLinesThatTheConfigLoaderAccepts(@TempDir Path dir) {
        CliRun run = CliRun.of("gen-certs", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        String block = run.out().substring(run.out().indexOf("metareward.cluster.tls {"));
        TlsSettings tls = MetarewardConfig.fromConfig(ConfigFactory.parseString(block)).cluster().tls();
        assertTrue(tls.enabled());
        assertEquals(dir.resolve(RunCertificates.KEY_STORE).toAbsolutePath(), tls.keyStore().orElseThrow());
        assertEquals(dir.resolve(RunCertificates.TRUST_STORE).toAbsolutePath(), tls.trustStore().orElseThrow());
        assertEquals(dir.resolve(RunCertificates.PASSWORD).toAbsolutePath(), tls.passwordFile().orElseThrow());
    }

    @Test
    void shouldRefuseToOverwriteAnEarlierRunUnlessForced(@TempDir Path dir) throws Exception {
        assertEquals(0, CliRun.of("gen-certs", dir.toString()).exitCode());
        String first = Files.readString(dir.resolve(RunCertificates.PASSWORD));

        CliRun again = CliRun.of("gen-certs", dir.toString());
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("already has " + RunCertificates.KEY_STORE) && again.err().contains("--force"),
                again.err());
        assertEquals(first, Files.readString(dir.resolve(RunCertificates.PASSWORD)), "nothing was replaced");

        assertEquals(0, CliRun.of("gen-certs", "--force", dir.toString()).exitCode());
        String second = Files.readString(dir.resolve(RunCertificates.PASSWORD));
        assertNotEquals(first, second);
        load(dir.resolve(RunCertificates.KEY_STORE), second.toCharArray());
    }

    @Test
    void shouldExplainItselfInHelp() {
        CliRun run = CliRun.of("gen-certs", "--help");
        assertEquals(0, run.exitCode());
        for (String expected : List.of("DIR", "--force", "--days", RunCertificates.KEY_STORE,
                RunCertificates.TRUST_STORE, "cannot join")) {
            assertTrue(run.out().contains(expected), expected + " in\n" + run.out());
        }
    }

    @Test
    void shouldRejectAFileAsTheFolder(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        CliRun run = CliRun.of("gen-certs", file.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("is a file"), run.err());
    }

    private static KeyStore load(Path file, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }
}
