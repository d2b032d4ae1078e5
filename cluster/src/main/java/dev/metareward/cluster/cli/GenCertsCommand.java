package dev.metareward.cluster.cli;

import dev.metareward.cluster.security.RunCertificates;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code metareward gen-certs DIR}: writes try-out TLS stores for a cluster run (see {@link RunCertificates}). */
@Command(name = "gen-certs", mixinStandardHelpOptions = true,
        description = {
            "Write TLS key and trust stores for trying a cluster run over Artery TLS with mutual authentication.",
            "DIR receives " + RunCertificates.KEY_STORE + " (the node key and its certificate, for every node of the "
                    + "run), " + RunCertificates.TRUST_STORE + " (the certificate of a new run CA, which signed the "
                    + "node certificate; its private key is not kept) and " + RunCertificates.PASSWORD
                    + " (a random password of both stores, mode 600). Copy DIR to every node at the same path and "
                    + "paste the printed cluster.tls lines into the run's config file.",
            "A node with stores from another gen-certs run cannot join. For production, issue each machine its own "
                    + "key from your own CA and name that CA in the trust store (docs/CLUSTER.md, Security)."})
final class GenCertsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder to write (created if needed).")
    Path dir;

    @Option(names = "--days", paramLabel = "N", defaultValue = "365",
            description = "Validity of the certificates in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--force", description = "Replace the stores and password of an earlier gen-certs run in DIR.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (days < 1) {
            throw new UserInputException("--days must be at least 1 but was " + days);
        }
        RunCertificates.Written written;
        try {
            written = RunCertificates.write(dir, Duration.ofDays(days), force, new SecureRandom());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new UserInputException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("wrote %s, %s and %s (run CA %s, valid until %s)%n", written.keyStore(), written.trustStore(),
                written.passwordFile(), written.runId(), written.notAfter());
        out.println("Paste into the run's config file (every node reads the same lines):");
        written.configLines().forEach(out::println);
        out.flush();
        return 0;
    }
}
