package dev.metareward.actors.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.metareward.actors.checkpoint.RotatingCheckpointStore;
import dev.metareward.actors.coordinator.CoordinatorListener;
import dev.metareward.metrics.RejectReason;
import dev.metareward.actors.evaluator.EvaluationResult;
import dev.metareward.actors.evaluator.EvaluatorSummary;
import dev.metareward.actors.testing.QuadraticComputer;
import dev.metareward.actors.testing.SeededBatches;
import dev.metareward.actors.worker.DomainStepFactory;
import dev.metareward.actors.worker.SupervisionSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.DomainMetaStep;
import dev.metareward.tensors.bilevel.MetaTrainer;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Whole runs in one JVM on the tensors test models (bigram policy, bag-of-tokens reward): real Algorithm 1. */
class LocalTrainingRunTest {

    private static final int VOCAB = 9;
    private static final int LENGTH = 10;
    private static final SupervisionSettings FAST_RESTARTS =
            new SupervisionSettings(Duration.ofMillis(10), Duration.ofMillis(50), 0.0, 3);

    @TempDir
    Path dir;

    private MetarewardConfig config(String runId, List<String> domains, int outerSteps, String mode,
                                    int checkpointEvery, int evaluateEvery) {
        String domainList = String.join("\", \"", domains);
        return MetarewardConfig.fromConfig(ConfigFactory.parseString("""
                metareward {
                  run { id = "%s", output-dir = "%s", seed = 5 }
                  data { training-domains = ["%s"], held-out-domains = ["kitchen"] }
                  inner { steps = 3, batch = 4, learning-rate = 0.5, beta = 1.0 }
                  outer { steps = %d, batch = 4, optimizer = adam, learning-rate = 0.1, clip-norm = 0 }
                  hypergradient { mode = exact }
                  training { mode = %s, staleness-bound = 2, checkpoint-every = %d, keep-checkpoints = 3,
                             evaluate-every = %d }
                  timeouts { ask = 10s, contribution = 30s, phi-version = 30s }
                }
                """.formatted(runId, dir.toString().replace("\\", "/"), domainList, outerSteps, mode,
                checkpointEvery, evaluateEvery)));
    }

    private static BigramPolicy policy() {
        return new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.5);
    }

    private static BagOfTokensReward reward() {
        return new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
    }

    private static InMemoryDomainBatches batches(String domain, int index) {
        return InMemoryDomainBatches.random(domain, VOCAB, 30, 30, LENGTH, 11 + index);
    }

    private static Map<String, DomainBatches> batchesFor(List<String> domains) {
        Map<String, DomainBatches> map = new LinkedHashMap<>();
        for (int i = 0; i < domains.size(); i++) {
            map.put(domains.get(i), batches(domains.get(i), i));
        }
        return map;
    }

    /** Each worker builds its own models, as the CLI does: the real DomainMetaStep of the bilevel package. */
    private static DomainStepFactory realSteps(MetarewardConfig config) {
        return (domain, b) -> new DomainMetaStep(policy(), reward(), b, config.inner(), config.outer(),
                config.hypergradient())::compute;
    }

    private static INDArray phi0() {
        return reward().initialParameters(3);
    }

    private static INDArray referencePhi(MetarewardConfig config, List<String> domains, int steps) {
        List<DomainBatches> batches = new ArrayList<>(batchesFor(domains).values());
        MetaTrainer trainer = MetaTrainer.create(policy(), reward(), batches, config.inner(), config.outer(),
                config.hypergradient(), phi0());
        trainer.train(steps);
        assertEquals(steps, trainer.version());
        return trainer.phi();
    }

    private static long[] bits(INDArray vector) {
        double[] values = vector.toDoubleVector();
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToRawLongBits(values[i]);
        }
        return bits;
    }

    @Test
    void shouldReproduceTheSingleProcessMetaTrainerExactlyInSyncModeWithOneDomain() {
        List<String> domains = List.of("books");
        MetarewardConfig config = config("sync-one", domains, 4, "sync", 100, 0);
        RunResult result = LocalTrainingRun.start(config, new TrainingComponents(batchesFor(domains),
                realSteps(config), phi0(), Optional.empty()), RunListener.NONE,
                RunOptions.defaults().withResume(false)).awaitResult();
        assertEquals(RunResult.Outcome.COMPLETED, result.outcome(), () -> result.error().toString());
        assertEquals(4, result.version());
        assertArrayEquals(bits(referencePhi(config, domains, 4)), bits(result.phi().orElseThrow()));
        assertEquals(0, result.stats().orElseThrow().rejectedTotal());
    }

    @Test
    void shouldReproduceTheSingleProcessMetaTrainerExactlyInSyncModeWithTwoDomains() {
        List<String> domains = List.of("books", "dvd");
        MetarewardConfig config = config("sync-two", domains, 3, "sync", 100, 0);
        RunResult result = LocalTrainingRun.start(config, new TrainingComponents(batchesFor(domains),
                realSteps(config), phi0(), Optional.empty()), RunListener.NONE,
                RunOptions.defaults().withResume(false)).awaitResult();
        assertEquals(RunResult.Outcome.COMPLETED, result.outcome());
        assertArrayEquals(bits(referencePhi(config, domains, 3)), bits(result.phi().orElseThrow()));
    }

    @Test
    void shouldResumeFromThePreviousCheckpointWhenTheNewestIsCorruptAndStillMatchTheReference() throws IOException {
        List<String> domains = List.of("books");
        MetarewardConfig first = config("resume", domains, 4, "sync", 2, 0);
        RunResult firstResult = LocalTrainingRun.start(first, new TrainingComponents(batchesFor(domains),
                realSteps(first), phi0(), Optional.empty()), RunListener.NONE, RunOptions.defaults()).awaitResult();
        assertEquals(RunResult.Outcome.COMPLETED, firstResult.outcome());
        Path newest = firstResult.finalCheckpoint().orElseThrow();
        assertEquals("phi-000000000004.ckpt", newest.getFileName().toString());
        try (FileChannel channel = FileChannel.open(newest, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2); // a torn write
        }

        MetarewardConfig second = config("resume", domains, 6, "sync", 2, 0);
        RunResult resumed = LocalTrainingRun.start(second, new TrainingComponents(batchesFor(domains),
                realSteps(second), phi0(), Optional.empty()), RunListener.NONE, RunOptions.defaults()).awaitResult();
        assertEquals(RunResult.Outcome.COMPLETED, resumed.outcome());
        assertEquals(2, resumed.startVersion(), "the torn version-4 checkpoint must be skipped");
        assertEquals("phi-000000000002.ckpt", resumed.resumedFrom().orElseThrow().getFileName().toString());
        assertEquals(6, resumed.version());
        // phi, Adam state and the data position were all restored: the result equals 6 uninterrupted steps.
        assertArrayEquals(bits(referencePhi(second, domains, 6)), bits(resumed.phi().orElseThrow()));
    }

    @Test
    void shouldRestartAWorkerThatThrowsMidStepAndCompleteTheRun() {
        List<String> domains = List.of("books", "dvd");
        MetarewardConfig config = config("restart", domains, 4, "sync", 100, 0);
        AtomicInteger dvdCalls = new AtomicInteger();
        AtomicInteger dvdBuilt = new AtomicInteger();
        DomainStepFactory real = realSteps(config);
        DomainStepFactory failingOnce = (domain, b) -> {
            var computer = real.create(domain, b);
            if (!domain.equals("dvd")) {
                return computer;
            }
            dvdBuilt.incrementAndGet();
            return (phi, version) -> {
                var contribution = computer.compute(phi, version);
                if (dvdCalls.incrementAndGet() == 2) {
                    throw new IllegalStateException("injected failure in dvd's second step");
                }
                return contribution;
            };
        };
        RunResult result = LocalTrainingRun.start(config, new TrainingComponents(batchesFor(domains), failingOnce,
                phi0(), Optional.empty()), RunListener.NONE,
                RunOptions.defaults().withResume(false).withSupervision(FAST_RESTARTS)).awaitResult();
        assertEquals(RunResult.Outcome.COMPLETED, result.outcome(), () -> result.error().toString());
        assertEquals(4, result.version());
        assertEquals(2, dvdBuilt.get(), "dvd's worker was restarted once");
        assertEquals(4, result.stats().orElseThrow().acceptedByDomain().get("dvd"),
                "dvd contributed to every version, also after its restart");
    }

    @Test
    void shouldFailTheRunWithTheErrorWhenAWorkerKeepsFailingAndStillCheckpoint() {
        List<String> domains = List.of("books");
        MetarewardConfig config = config("failing", domains, 4, "sync", 100, 0);
        DomainStepFactory broken = (domain, b) -> (phi, version) -> {
            throw new IllegalStateException("this worker cannot compute");
        };
        RunResult result = LocalTrainingRun.start(config, new TrainingComponents(batchesFor(domains), broken,
                phi0(), Optional.empty()), RunListener.NONE,
                RunOptions.defaults().withResume(false).withSupervision(FAST_RESTARTS)).awaitResult();
        assertEquals(RunResult.Outcome.FAILED, result.outcome());
        Throwable error = result.error().orElseThrow();
        assertTrue(error instanceof RunFailedException && error.getMessage().contains("'books'"),
                error.getMessage());
        assertEquals(0, result.version());
        assertTrue(Files.exists(result.finalCheckpoint().orElseThrow()));
    }

    @Test
    void shouldStopOnRequestWithAFinalCheckpointThatResumes() throws IOException {
        List<String> domains = List.of("books", "dvd");
        MetarewardConfig config = config("stop", domains, 100_000, "async", 1000, 0);
        Map<String, DomainBatches> batches = new LinkedHashMap<>();
        domains.forEach(d -> batches.put(d, new SeededBatches(d, 3)));
        AtomicBoolean stopAsked = new AtomicBoolean();
        CompletableFuture<LocalTrainingRun> started = new CompletableFuture<>();
        Set<String> contributed = ConcurrentHashMap.newKeySet();
        RunListener stopAfterFive = new RunListener() {
            @Override
            public void onUpdate(CoordinatorListener.UpdateEvent event) {
                event.contributions().forEach(c -> contributed.add(c.domain()));
                if (event.version() >= 5 && contributed.size() == domains.size()
                        && stopAsked.compareAndSet(false, true)) {
                    started.thenAccept(run -> run.requestStop("test asked to stop"));
                }
            }
        };
        INDArray phi0 = Nd4j.createFromArray(0.5f, -0.5f, 0.25f);
        LocalTrainingRun run = LocalTrainingRun.start(config, new TrainingComponents(batches, QuadraticComputer::new,
                phi0, Optional.empty()), stopAfterFive, RunOptions.defaults().withResume(false));
        started.complete(run);
        RunResult result = run.awaitResult();
        assertEquals(RunResult.Outcome.STOPPED, result.outcome());
        assertTrue(result.version() >= 5 && result.version() < 100_000, "version " + result.version());
        var saved = new RotatingCheckpointStore(dir.resolve("checkpoints"), 3).loadNewestValid(3).orElseThrow();
        assertEquals(result.version(), saved.state().version());
        assertEquals(result.finalCheckpoint().orElseThrow(), saved.path());
        assertEquals(Set.copyOf(domains), saved.state().domains().keySet(), "every domain's data position is saved");
    }

    @Test
    void shouldTrainEveryDomainAsynchronouslyWhileTheEvaluatorKeepsToTheNewestPhi() {
        List<String> domains = List.of("books", "dvd", "electronics");
        MetarewardConfig config = config("async-eval", domains, 60, "async", 1000, 1);
        Map<String, DomainBatches> batches = new LinkedHashMap<>();
        domains.forEach(d -> batches.put(d, new SeededBatches(d, 9)));
        List<Long> evaluatedVersions = java.util.Collections.synchronizedList(new ArrayList<>());
        RunListener listener = new RunListener() {
            @Override
            public void onEvaluation(EvaluationEvent event) {
                evaluatedVersions.add(event.result().version());
            }
        };
        RunResult result = LocalTrainingRun.start(config, new TrainingComponents(batches, QuadraticComputer::new,
                Nd4j.createFromArray(0.5f, -0.5f, 0.25f), Optional.of((phi, version) -> {
                    sleep(40); // evaluation is much slower than a worker's step
                    return new EvaluationResult(version, -phi.norm2Number().doubleValue(), Map.of(), 0.04);
                })), listener, RunOptions.defaults().withResume(false)).awaitResult();
        assertEquals(RunResult.Outcome.COMPLETED, result.outcome(), () -> result.error().toString());
        assertEquals(60, result.version());
        EvaluatorSummary evaluation = result.evaluation().orElseThrow();
        assertTrue(evaluation.skipped() > 0, "snapshots arrive faster than they are evaluated: " + evaluation);
        assertTrue(evaluation.evaluated() < 60, "only some of the 60 versions were evaluated");
        assertEquals(60, evaluation.history().get(evaluation.history().size() - 1).version(),
                "the final phi is evaluated");
        for (int i = 1; i < evaluatedVersions.size(); i++) {
            assertTrue(evaluatedVersions.get(i) > evaluatedVersions.get(i - 1), "always newer: " + evaluatedVersions);
        }
        assertTrue(result.best().isPresent());
        var stats = result.stats().orElseThrow();
        assertEquals(60, stats.acceptedContributions() - stats.rejected(RejectReason.OPTIMIZER_REFUSED));
        domains.forEach(d -> assertTrue(stats.acceptedByDomain().get(d) > 0, d + " contributed"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
