package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.metareward.cluster.run.OuterDiagnosticsLog;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.report.DomainResult;
import dev.metareward.tensors.report.TrainingReport;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import dev.metareward.cluster.node.ChildJvm;
import dev.metareward.cluster.testing.TinyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metareward train} end to end with a tiny model and budget: a full run in-process, a run stopped by a real
 * SIGTERM in a child JVM and resumed, a resume past a corrupt newest checkpoint, and the user errors that must exit
 * with code 2.
 */
class TrainCommandEndToEndTest {

    private static final Path LOCAL_CONF = TinyRun.configFile("local.conf");
    private static final Pattern CHECKPOINT = Pattern.compile("phi-(\\d{12})\\.ckpt");
    private static final Duration CHILD_DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private Path data() {
        return tmp.resolve("data");
    }

    private Path out() {
        return tmp.resolve("out");
    }

    /** A tiny but complete run: every phase executes, in seconds. */
    private List<String> tinyTrainArgs(String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--config", LOCAL_CONF.toString()));
        args.addAll(TinyRun.overrides(data(), out(), more));
        return args;
    }

    @Test
    void shouldTrainAndWriteReportPlotsConfigAndCheckpoints() {
        CliRun run = CliRun.of(tinyTrainArgs("outer.steps=3", "training.checkpoint-every=2"));

        assertEquals(0, run.exitCode(), run.err());
        for (String file : List.of(TrainingReport.JSON, TrainingReport.LOSS_PLOT, TrainingReport.ACCURACY_PLOT,
                "resolved.conf")) {
            assertTrue(isNonEmptyFile(out().resolve(file)), file + " missing in " + out() + "\n" + run.err());
        }
        // checkpoint-every=2 of 3 versions: the periodic one at 2 and the final one at 3
        assertEquals(List.of(2L, 3L), checkpointVersions());
        TrainingReport report = TrainingReport.read(out());
        assertEquals(3, report.outerLoss().size(), "one outer-loss entry per outer step");
        assertTrue(report.outerLoss().stream().allMatch(Double::isFinite), report.outerLoss().toString());
        assertEquals(1, report.heldOut().size());
        DomainResult kitchen = report.heldOut().get(0);
        assertEquals("kitchen", kitchen.domain());
        assertTrue(kitchen.plAccuracy().keySet().containsAll(
                List.of(HeldOutEvaluation.SFT, HeldOutEvaluation.META_TEST, HeldOutEvaluation.META_TEST_TRUE_REWARD)),
                kitchen.plAccuracy().toString());
        assertEquals(List.of(0L, 1L, 2L), report.outerDiagnostics().stream().map(d -> d.phiVersion()).toList(),
                "one diagnostics entry per outer step, in order");
        report.outerDiagnostics().forEach(d -> assertTrue(d.meanRawWeight() > 0 && d.effectiveSampleSize() >= 1
                && d.phiPairAccuracy() >= 0 && d.phiPairAccuracy() <= 1 && d.hypergradientNorm() > 0, d.toString()));
        assertTrue(isNonEmptyFile(out().resolve(OuterDiagnosticsLog.FILE)));
        kitchen.plAccuracy().values().forEach(a -> assertTrue(a >= 0 && a <= 1, "PL accuracy " + a));
        assertEquals(3L, number(report, "phi_version"));
        assertEquals("", report.provenance().get("resumed_from"));
        assertTrue(run.out().contains("kitchen") && run.out().contains("meta-test"), run.out());
        assertFalse(run.err().contains("meta-training: stopped at"), "a completed run must not read as stopped\n" + run.err());
        // resolved.conf is the run's complete settings and loads back (train --resume relies on it)
        MetarewardConfig resolved = MetarewardConfig.load(out().resolve("resolved.conf"));
        assertEquals(3, resolved.outer().steps());
        assertEquals(16, resolved.model().dModel());
        assertEquals(data(), resolved.data().dir());
    }

    @Test
    void shouldStopCleanlyOnSigtermAndResumeFromTheFinalCheckpoint() throws Exception {
        Path log = tmp.resolve("child.log");
        Process child = ChildJvm.builder(MetarewardCli.class.getName(),
                        tinyTrainArgs("outer.steps=1000", "training.checkpoint-every=1"), Map.of())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long stoppedAt;
        try {
            awaitCheckpoint(child, 2, log);
            child.destroy(); // SIGTERM on Linux
            assertTrue(child.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS),
                    "the child did not exit within " + CHILD_DEADLINE + " of SIGTERM\n" + read(log));
            int code = child.exitValue();
            String childLog = read(log);
            assertNotEquals(0, code, childLog);
            // 143 = 128 + SIGTERM: the JVM exits through its shutdown sequence; 130 is the command's own stop code.
            assertTrue(code == 143 || code == 130, "exit code " + code + "\n" + childLog);

            Matcher stopped = Pattern.compile("stopped at phi version (\\d+); resume with --resume").matcher(childLog);
            assertTrue(stopped.find(), "the shutdown hook did not report the stop\n" + childLog);
            stoppedAt = Long.parseLong(stopped.group(1));
            assertTrue(stoppedAt >= 2, childLog);
            assertTrue(childLog.contains("final checkpoint at version " + stoppedAt + ": "), childLog);
            assertEquals(OptionalLong.of(stoppedAt), newestCheckpointVersion(), "the final checkpoint is the newest");
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }

        long target = stoppedAt + 2;
        // No --config and no model settings: a resume takes them from the run's resolved.conf.
        CliRun resumed = CliRun.of("train", "--resume", out().toString(), "--set", "outer.steps=" + target);

        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resuming run 'local' from " + checkpointFile(stoppedAt)
                + " at version " + stoppedAt), resumed.err());
        TrainingReport report = TrainingReport.read(out());
        assertEquals(target, number(report, "phi_version"));
        assertEquals(checkpointFile(stoppedAt).toString(), report.provenance().get("resumed_from"));
        assertEquals(OptionalLong.of(target), newestCheckpointVersion());
        assertTrue(resumed.err().contains("meta-training: " + target + "/" + target), resumed.err());
        // The loss curve spans both processes: versions 1..V as the child logged them, then V+1 and V+2.
        assertEquals(target, report.outerLoss().size(), report.outerLoss().toString());
        List<Double> childLosses = loggedOuterLosses(read(log));
        assertTrue(childLosses.size() >= stoppedAt, childLosses.toString());
        assertEquals(childLosses.subList(0, (int) stoppedAt), report.outerLoss().subList(0, (int) stoppedAt));
    }

    @Test
    void shouldResumeFromThePreviousCheckpointWhenTheNewestIsTruncated() throws Exception {
        CliRun first = CliRun.of(tinyTrainArgs("outer.steps=3", "training.checkpoint-every=1",
                "training.keep-checkpoints=3"));
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(List.of(1L, 2L, 3L), checkpointVersions());
        Path newest = checkpointFile(3);
        try (RandomAccessFile file = new RandomAccessFile(newest.toFile(), "rw")) {
            file.setLength(file.length() / 2);
        }

        CliRun resumed = CliRun.of(resumeArgs("outer.steps=5", "training.checkpoint-every=1",
                "training.keep-checkpoints=3"));

        assertEquals(0, resumed.exitCode(), resumed.err());
        TrainingReport report = TrainingReport.read(out());
        assertEquals(checkpointFile(2).toString(), report.provenance().get("resumed_from"));
        assertEquals(5L, number(report, "phi_version"));
        assertTrue(resumed.err().contains("skipped corrupt newer checkpoint(s) [" + newest + "]"), resumed.err());
        assertEquals(List.of(3L, 4L, 5L), checkpointVersions());
        assertEquals(5, report.outerLoss().size(), report.outerLoss().toString());
    }

    @Test
    void shouldRefuseToResumeWithAnotherModelShapeAndKeepTheRunsSettings() throws Exception {
        assertEquals(0, CliRun.of(tinyTrainArgs("outer.steps=1")).exitCode());
        String settings = Files.readString(out().resolve("resolved.conf"));

        CliRun run = CliRun.of("train", "--resume", out().toString(), "--set", "model.lora-rank=4");

        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("error: --resume " + out() + ": checkpoint " + checkpointFile(1))
                && run.err().contains("different model shape"), run.err());
        assertEquals(settings, Files.readString(out().resolve("resolved.conf")),
                "a refused resume must leave the settings of the checkpoints' run in place");
    }

    @Test
    void shouldSelectTheBestPhiWhenATrainingDomainHasNoEvaluationPairs() throws Exception {
        CliRun gen = CliRun.of("gen-data", "--out", data().toString(), "--domains", "4", "--per-domain", "20",
                "--sft-per-domain", "40");
        assertEquals(0, gen.exitCode(), gen.err());
        // A fixed evaluation split with pairs of books and dvd only: electronics has none.
        Pattern evaluated = Pattern.compile("\"domain\"\\s*:\\s*\"(books|dvd)\"");
        List<String> evalPairs = Files.readAllLines(data().resolve("pref.jsonl")).stream()
                .filter(line -> evaluated.matcher(line).find()).limit(8).toList();
        Files.write(data().resolve("pref.eval.jsonl"), evalPairs);

        CliRun run = CliRun.of(tinyTrainArgs("outer.steps=1"));

        assertEquals(0, run.exitCode(), run.err());
        // Versions 0 (phi_0) and 1 are the candidates; the winner's accuracy is a number, not NaN.
        assertTrue(run.err().contains("(new best)") && Pattern.compile(
                        "meta-test uses the best phi by training-domain PL accuracy: version [01] \\([01]\\.\\d{3}\\)")
                        .matcher(run.err()).find(),
                "the evaluator's selection metric must stay finite\n" + run.err());
    }

    @Test
    void shouldRejectABadSettingWithExitCode2NamingTheKey() {
        CliRun run = CliRun.of(tinyTrainArgs("outer.steps=3", "inner.beta=0"));

        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("inner.beta"), run.err());
        assertTrue(Files.notExists(out()), "nothing may be written for a rejected config");
    }

    @Test
    void shouldRejectACudaBackendOnTheCpuBuildWithExitCode2() {
        CliRun run = CliRun.of(tinyTrainArgs("device.backend=cuda", "device.gpus=[0]"));

        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("'metareward.device.backend'") && run.err().contains("cpu backend"), run.err());
        assertTrue(Files.notExists(data()), "no data is generated for a config that cannot run");
    }

    @Test
    void shouldRejectAClusterConfigWithExitCode2() {
        CliRun run = CliRun.of("train", "--config", TinyRun.configFile("cluster-local.conf").toString());

        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("cluster.enabled = true") && run.err().contains("launch-local"), run.err());
    }

    @Test
    void shouldRejectResumingAFolderThatDoesNotExist() {
        Path missing = tmp.resolve("nonexistent");
        CliRun run = CliRun.of("train", "--config", LOCAL_CONF.toString(), "--resume", missing.toString());

        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("--resume " + missing) && run.err().contains("no checkpoints folder"),
                run.err());
        assertTrue(Files.notExists(missing), "a failed --resume must not create the folder");
    }

    @Test
    void shouldRequireAConfigUnlessResuming() {
        CliRun run = CliRun.of("train", "--set", "outer.steps=1");

        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("missing --config FILE"), run.err());
    }

    /** The mean outer loss of each version as the reward coordinator logged it, in version order. */
    private static List<Double> loggedOuterLosses(String log) {
        Matcher m = Pattern.compile("phi version (\\d+) \\(from .*, mean loss_PL (\\S+)\\)").matcher(log);
        List<Double> losses = new ArrayList<>();
        while (m.find()) {
            assertEquals(losses.size() + 1, Long.parseLong(m.group(1)), log);
            losses.add(Double.parseDouble(m.group(2)));
        }
        return losses;
    }

    private List<String> resumeArgs(String... more) {
        List<String> args = tinyTrainArgs(more);
        args.add(1, "--resume");
        args.add(2, out().toString());
        return args;
    }


    private void awaitCheckpoint(Process child, long version, Path log) throws Exception {
        long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
        while (newestCheckpointVersion().orElse(-1) < version) {
            if (!child.isAlive()) {
                fail("the child exited with code " + child.exitValue() + " before checkpoint " + version + "\n"
                        + read(log));
            }
            if (System.nanoTime() > deadline) {
                fail("no checkpoint " + version + " within " + CHILD_DEADLINE + "\n" + read(log));
            }
            Thread.sleep(100);
        }
    }

    private List<Long> checkpointVersions() {
        Path dir = out().resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> CHECKPOINT.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches).map(m -> Long.parseLong(m.group(1))).sorted().toList();
        } catch (IOException e) {
            // the child may rotate a file away while we list: the next poll sees a stable folder
            return List.of();
        }
    }

    private OptionalLong newestCheckpointVersion() {
        return checkpointVersions().stream().mapToLong(Long::longValue).max();
    }

    private Path checkpointFile(long version) {
        return out().resolve("checkpoints").resolve(String.format("phi-%012d.ckpt", version));
    }

    private static long number(TrainingReport report, String key) {
        Object value = report.provenance().get(key);
        assertTrue(value instanceof Number, key + " = " + value + " in " + report.provenance());
        return ((Number) value).longValue();
    }

    private static boolean isNonEmptyFile(Path file) {
        try {
            return Files.isRegularFile(file) && Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no output)";
    }


}
