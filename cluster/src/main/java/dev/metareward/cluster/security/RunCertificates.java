package dev.metareward.cluster.security;

import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Try-out TLS material for one run, as {@code metareward gen-certs DIR} writes it: a fresh run CA signs one node
 * certificate that every node of the run presents, the trust store holds only the CA's certificate, and one random
 * password (in a file only its owner may read) opens both stores. The CA's private key is used once and never
 * written: nobody, not even whoever copies DIR around, can issue further certificates the run would trust.
 *
 * <p>Why a CA plus one shared node key, rather than one self-signed certificate, or a key per node: the config has
 * one {@code cluster.tls.key-store} path for all nodes, so a try-out set gives every node the same key either way;
 * trusting a CA rather than the node certificate itself is the shape a real deployment has (an organisation's CA
 * issuing a key per machine, placed at that path on each machine), so moving from try-out to production replaces
 * files without changing the trust model, and the trust store never holds a certificate whose private key travels.
 * A node with stores from another run presents a certificate the run's CA did not sign and is refused in the
 * handshake. Certificates are built with BouncyCastle (the JDK has no public API to sign one); keys (EC P-256) and
 * PKCS12 stores are the JDK's own, so Pekko reads them with its default {@code KeyStore} type.
 */
public final class RunCertificates {

    /** File name of the node key store in DIR. */
    public static final String KEY_STORE = "node.p12";
    /** File name of the trust store (the run CA's certificate) in DIR. */
    public static final String TRUST_STORE = "trust.p12";
    /** File name of the password of both stores in DIR (mode 600). */
    public static final String PASSWORD = "password";
    /** Alias of the node key in the key store. */
    static final String KEY_ALIAS = "node";
    /** Alias of the CA certificate in the trust store. */
    static final String CA_ALIAS = "run-ca";

    private static final String SIGNATURE = "SHA256withECDSA";
    /** P-256: supported by every TLS 1.3 stack, generated in milliseconds, 128-bit security. */
    private static final String CURVE = "secp256r1";

    private RunCertificates() {
    }

    /**
     * What {@link #write} wrote.
     *
     * @param keyStore the node key store (key + chain node, CA)
     * @param trustStore the trust store (the CA certificate)
     * @param passwordFile the stores' password
     * @param runId random id that names this run's CA and node certificate ({@code CN=metareward run CA <id>})
     * @param notAfter the certificates' end of validity
     */
    public record Written(Path keyStore, Path trustStore, Path passwordFile, String runId, Instant notAfter) {

        /** The {@code cluster.tls} lines that make a node use these files, in the run config's HOCON syntax. */
        public List<String> configLines() {
            return List.of(
                    "metareward.cluster.tls {",
                    "  enabled = true",
                    "  key-store = " + quoted(keyStore),
                    "  trust-store = " + quoted(trustStore),
                    "  password-file = " + quoted(passwordFile),
                    "}");
        }

        private static String quoted(Path path) {
            return ConfigValueFactory.fromAnyRef(path.toAbsolutePath().toString()).render();
        }
    }

    /**
     * Writes {@link #KEY_STORE}, {@link #TRUST_STORE} and {@link #PASSWORD} into {@code dir} (created if needed).
     *
     * @param dir the folder to write
     * @param validity how long the certificates are valid from now
     * @param overwrite replace files of an earlier run; otherwise an existing file is an error and nothing is written
     * @param random source of keys, serial numbers and the password
     * @throws IllegalArgumentException when a file exists and {@code overwrite} is false, or {@code dir} is a file
     * @throws UncheckedIOException when writing fails
     */
    public static Written write(Path dir, Duration validity, boolean overwrite, SecureRandom random) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is a file; expected a folder (new or existing)");
        }
        Path keyStore = dir.resolve(KEY_STORE);
        Path trustStore = dir.resolve(TRUST_STORE);
        Path passwordFile = dir.resolve(PASSWORD);
        if (!overwrite) {
            for (Path file : List.of(keyStore, trustStore, passwordFile)) {
                if (Files.exists(file)) {
                    throw new IllegalArgumentException(dir + " already has " + file.getFileName() + " (of an earlier "
                            + "gen-certs run?); pass --force to replace all three files or choose another folder");
                }
            }
        }
        byte[] id = new byte[8];
        random.nextBytes(id);
        String runId = HexFormat.of().formatHex(id);
        Instant notBefore = Instant.now().minus(1, ChronoUnit.HOURS); // tolerate clocks a little behind
        Instant notAfter = notBefore.plus(validity);
        char[] password = newPassword(random);
        try {
            KeyPair caKeys = newKeyPair(random);
            X500Name caName = new X500Name("CN=metareward run CA " + runId + ",O=metareward");
            X509Certificate ca = sign(caKeys, caName, caKeys, caName, notBefore, notAfter, true, random);
            KeyPair nodeKeys = newKeyPair(random);
            X500Name nodeName = new X500Name("CN=metareward node " + runId + ",O=metareward");
            X509Certificate node = sign(caKeys, caName, nodeKeys, nodeName, notBefore, notAfter, false, random);

            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(KEY_ALIAS, nodeKeys.getPrivate(), password, new X509Certificate[] {node, ca});
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(CA_ALIAS, ca);

            Files.createDirectories(dir);
            writeOwnerOnly(passwordFile, new String(password).getBytes(StandardCharsets.UTF_8));
            store(keys, keyStore, password);
            store(trust, trustStore, password);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("This JVM cannot create EC P-256 keys, ECDSA signatures or PKCS12 "
                    + "stores: " + e, e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the TLS stores into " + dir + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(password, '\0');
        }
        return new Written(keyStore, trustStore, passwordFile, runId, notAfter);
    }

    private static char[] newPassword(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        // URL-safe base64: no quotes, spaces or shell metacharacters, so it can also go into an environment variable.
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
    }

    private static KeyPair newKeyPair(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(CURVE), random);
        return generator.generateKeyPair();
    }

    /** A certificate for {@code subjectKeys}, signed with {@code issuerKeys}: the CA (self-signed) or the node. */
    private static X509Certificate sign(KeyPair issuerKeys, X500Name issuer, KeyPair subjectKeys, X500Name subject,
                                        Instant notBefore, Instant notAfter, boolean isCa, SecureRandom random)
            throws GeneralSecurityException, OperatorCreationException, CertIOException {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, random),
                Date.from(notBefore), Date.from(notAfter), subject, subjectKeys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
        builder.addExtension(Extension.authorityKeyIdentifier, false,
                ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
        if (isCa) {
            // pathLen 0: the CA signs node certificates only, never another CA.
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            // Each node is TLS server (it accepts) and client (it connects) of the same certificate.
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuerKeys.getPrivate())));
    }

    private static void store(KeyStore store, Path file, char[] password) throws IOException,
            GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
    }

    /** Creates {@code file} with mode 600 from the start, so the password is never briefly readable by others. */
    private static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException raced) {
            throw new IOException(file + " appeared while gen-certs was writing it", raced);
        }
        try {
            Files.write(file, content, StandardOpenOption.TRUNCATE_EXISTING);
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }
}
