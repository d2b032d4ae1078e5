package dev.metareward.cluster.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.metareward.config.MetarewardConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * JVM, a node with the run's stores and an intruder with the stores of another gen-certs run each in their own JVM.
 */
class TlsJoinTest {

    /** How long the intruder gets to join; Artery TCP nodes are Up within about 1 s on this machine (FACTS.md). */
    private static final Duration INTRUDER_BOUND = Duration.ofSeconds(15);
    /** Upper bound for the good node (JVM start with the test classpath on two busy cores, then the join). */
    private static final Duration GOOD_BOUND = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    private final List<ChildNode> children = new ArrayList<>();
    private ActorSystem<Void> seed;

    @AfterEach
    void stopEverything() throws Exception {
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
        Path intruderConfig = writeConfig("intruder.conf", otherRun, seedPort, goodPort, intruderPort);

        seed = TlsJoinNode.start(MetarewardConfig.load(runConfig).cluster(), "coord");
        long start = System.nanoTime();
        ChildNode good = ChildNode.start(runConfig, "good", tmp.resolve("good-classes.log"));
        children.add(good);
        ChildNode intruder = ChildNode.start(intruderConfig, "intruder", null);
        children.add(intruder);

        long deadline = start + GOOD_BOUND.toNanos();
        while (!isUp(goodPort) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        double goodSeconds = (System.nanoTime() - start) / 1e9;
        if (!isUp(goodPort)) {
            fail("the node with the run's stores did not join within " + GOOD_BOUND + "; its output:\n"
                    + good.output());
        }
        long intruderDeadline = start + INTRUDER_BOUND.toNanos();
        while (System.nanoTime() < intruderDeadline) {
            assertFalse(isMember(intruderPort), "the intruder became a member; its output:\n" + intruder.output());
            Thread.sleep(200);
        }
        assertFalse(isMember(intruderPort), "the intruder became a member; its output:\n" + intruder.output());
        assertFalse(intruder.output().contains(TlsJoinNode.UP), intruder.output());
        assertTrue(intruder.isAlive(), "the intruder kept trying (it did not just crash):\n" + intruder.output());
        assertTrue(good.output().contains(TlsJoinNode.UP), good.output());
        System.out.printf("good node Up after %.1f s; intruder kept out for %d s%n", goodSeconds,
                INTRUDER_BOUND.toSeconds());

        good.stop();
        String classes = Files.readString(tmp.resolve("good-classes.log"));
        assertTrue(classes.contains(PasswordSourceSslEngineProvider.class.getName()), "the class log works");
        assertFalse(classes.contains("org.nd4j"), "a node's security path must not load ND4J");
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
        private final StringBuffer output = new StringBuffer();
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
                    output.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // The process ended; what was read is kept.
            }
        }

        String output() {
            return output.toString();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Closes stdin (the node's signal to stop), then kills it if it has not exited within 10 s. */
        void stop() throws InterruptedException {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // Already gone.
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(2000);
        }
    }
}
