package dev.metareward.cluster.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.metareward.config.MetarewardConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's acceptance "a node with a wrong key store cannot join", with real processes: the seed node runs in this
 * JVM, a node with the run's stores and an intruder with the key store of another gen-certs run each in their own
 * JVM. The intruder trusts the run's CA as well as its own (the CA certificate is public, so an attacker can), so its
 * side of the handshake succeeds and only the seed's check of the client certificate (mutual authentication) keeps it
 * out.
 */
class TlsJoinTest {

    /** How long the intruder gets to join; Artery TCP nodes are Up within about 1 s on this machine (FACTS.md). */
    private static final Duration INTRUDER_BOUND = Duration.ofSeconds(15);
    /** Upper bound of a child JVM's start, the good node's join and the intruder's first refusal (busy cores). */
    private static final Duration STARTUP_BOUND = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final List<ChildNode> children = new ArrayList<>();
    private ActorSystem<Void> seed;

    @AfterEach
    void stopEverything() throws Exception {
        children.forEach(ChildNode::requestStop);
        for (ChildNode child : children) {
            child.stop();
        }
        if (seed != null) {
            seed.terminate();
            seed.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldAdmitANodeWithTheRunsStoresAndNotOneWithAnotherRunsStores() throws Exception {
        Path run = tmp.resolve("run");
        Path otherRun = tmp.resolve("other-run");
        RunCertificates.write(run, Duration.ofDays(1), false, new SecureRandom());
        RunCertificates.write(otherRun, Duration.ofDays(1), false, new SecureRandom());
        int seedPort = FreePort.find();
        int goodPort = FreePort.find();
        int intruderPort = FreePort.find();
        Path runConfig = writeConfig("run.conf", run, seedPort, goodPort, intruderPort);
        trustAlsoTheRunsCa(otherRun, run);
        Path intruderConfig = writeConfig("intruder.conf", otherRun, seedPort, goodPort, intruderPort);

        // Children first: their JVMs boot while the seed starts here, and they retry joining every second.
        long start = System.nanoTime();
        ChildNode good = ChildNode.start(runConfig, "good", tmp.resolve("good-classes.log"));
        children.add(good);
        ChildNode intruder = ChildNode.start(intruderConfig, "intruder", null);
        children.add(intruder);
        seed = TlsJoinNode.start(MetarewardConfig.load(runConfig).cluster(), "coord");

        long deadline = start + STARTUP_BOUND.toNanos();
        while (!isUp(goodPort) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        double goodSeconds = (System.nanoTime() - start) / 1e9;
        assertTrue(isUp(goodPort), "the node with the run's stores did not join within " + STARTUP_BOUND
                + "; its output:\n" + good.output());
        good.await(TlsJoinNode.UP, STARTUP_BOUND);

        // The bound runs from the intruder's start, not the JVM's: on two busy cores a JVM can take seconds to start.
        long intruderStart = intruder.await(TlsJoinNode.STARTED, STARTUP_BOUND);
        // The seed's refusal of the intruder's certificate, as the JDK reports it to the TLS client and Pekko logs it.
        double rejectedSeconds = (intruder.await("bad_certificate", STARTUP_BOUND) - intruderStart) / 1e9;
        long intruderDeadline = intruderStart + INTRUDER_BOUND.toNanos();
        while (System.nanoTime() < intruderDeadline) {
            assertFalse(isMember(intruderPort), "the intruder became a member; its output:\n" + intruder.output());
            Thread.sleep(200);
        }
        assertFalse(isMember(intruderPort), "the intruder became a member; its output:\n" + intruder.output());
        assertFalse(intruder.output().contains(TlsJoinNode.UP), intruder.output());
        assertTrue(intruder.output().contains("Couldn't join seed nodes"), "the intruder kept trying:\n"
                + intruder.output());
        assertFalse(intruder.output().contains("PKIX path building failed"), "the intruder trusted the seed, so it "
                + "was the seed's check of its certificate that refused it:\n" + intruder.output());
        System.out.printf("good node Up %.1f s after its JVM started; intruder refused (bad_certificate) %.1f s "
                + "after its node started and still out after %d s%n", goodSeconds, rejectedSeconds,
                INTRUDER_BOUND.toSeconds());

        good.stop();
        String classes = Files.readString(tmp.resolve("good-classes.log"));
        assertTrue(classes.contains(PasswordSourceSslEngineProvider.class.getName()), "the class log works");
        assertFalse(classes.contains("org.nd4j"), "a node's security path must not load ND4J");
    }

    /** Adds the CA certificate of {@code run} to the trust store of {@code intruder}, under the intruder's password. */
    private static void trustAlsoTheRunsCa(Path intruder, Path run) throws Exception {
        char[] intruderPassword = Files.readString(intruder.resolve(RunCertificates.PASSWORD)).toCharArray();
        KeyStore runTrust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(run.resolve(RunCertificates.TRUST_STORE))) {
            runTrust.load(in, Files.readString(run.resolve(RunCertificates.PASSWORD)).toCharArray());
        }
        KeyStore intruderTrust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(intruder.resolve(RunCertificates.TRUST_STORE))) {
            intruderTrust.load(in, intruderPassword);
        }
        intruderTrust.setCertificateEntry("stolen-run-ca", runTrust.getCertificate(runTrust.aliases().nextElement()));
        try (OutputStream out = Files.newOutputStream(intruder.resolve(RunCertificates.TRUST_STORE))) {
            intruderTrust.store(out, intruderPassword);
        }
    }

    private boolean isUp(int port) {
        return members(port).stream().anyMatch(m -> m.status() == MemberStatus.up());
    }

    private boolean isMember(int port) {
        return !members(port).isEmpty();
    }

    private List<Member> members(int port) {
        List<Member> found = new ArrayList<>();
        for (Member m : Cluster.get(seed).state().getMembers()) {
            if (m.address().getPort().orElse(-1) == port) {
                found.add(m);
            }
        }
        return found;
    }

    private Path writeConfig(String name, Path stores, int seedPort, int goodPort, int intruderPort)
            throws IOException {
        String conf = """
                metareward.cluster {
                  enabled = true
                  nodes = [
                    { name = "coord", host = "127.0.0.1", port = %d, aeron-port = 41000, roles = ["coordinator"] }
                    { name = "good", host = "127.0.0.1", port = %d, aeron-port = 41002, roles = ["worker"] }
                    { name = "intruder", host = "127.0.0.1", port = %d, aeron-port = 41004, roles = ["worker"] }
                  ]
                  tls {
                    enabled = true
                    key-store = "%s"
                    trust-store = "%s"
                    password-file = "%s"
                  }
                }
                """.formatted(seedPort, goodPort, intruderPort, stores.resolve(RunCertificates.KEY_STORE),
                stores.resolve(RunCertificates.TRUST_STORE), stores.resolve(RunCertificates.PASSWORD));
        return Files.writeString(tmp.resolve(name), conf);
    }

    /** A {@link TlsJoinNode} in a child JVM with the test's class path; its output is collected line by line. */
    private static final class ChildNode {
        private final Process process;
        /** Output lines and the {@link System#nanoTime()} each arrived at; both guarded by {@code this}. */
        private final List<String> lines = new ArrayList<>();
        private final List<Long> arrivals = new ArrayList<>();
        private final Thread reader;

        private ChildNode(Process process) {
            this.process = process;
            this.reader = new Thread(this::collect, "child-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static ChildNode start(Path config, String node, Path classLog) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            if (classLog != null) {
                command.add("-Xlog:class+load=info:file=" + classLog);
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), TlsJoinNode.class.getName(),
                    config.toString(), node, "120"));
            return new ChildNode(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        private void collect() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (this) {
                        arrivals.add(System.nanoTime());
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // The process ended; what was read is kept.
            }
        }

        /**
         * Waits until the node has printed a line containing {@code text}.
         *
         * @return {@link System#nanoTime()} when that line arrived (which may be before this call)
         */
        long await(String text, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (true) {
                synchronized (this) {
                    for (int i = 0; i < lines.size(); i++) {
                        if (lines.get(i).contains(text)) {
                            return arrivals.get(i);
                        }
                    }
                }
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    fail("expected \"" + text + "\" from the node within " + bound + "; its output:\n" + output());
                }
                Thread.sleep(50);
            }
        }

        synchronized String output() {
            return String.join("\n", lines);
        }

        /** Closes stdin, the node's signal to stop, without waiting (so several nodes stop at once). */
        void requestStop() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // Already gone.
            }
        }

        /** Stops the node and waits for it, killing it if it has not exited within 10 s. */
        void stop() throws InterruptedException {
            requestStop();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(2000);
        }
    }
}
