package dev.metareward.actors.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.actors.coordinator.PhiSnapshot;
import dev.metareward.actors.transport.InProcessTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class EvaluatorTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final String RUN = "run-e";

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** An evaluator fed directly with {@link Evaluator.Evaluate} (its transport never broadcasts). */
    private static ActorRef<Evaluator.Command> spawn(PhiEvaluation evaluation, EvaluationListener listener) {
        return KIT.spawn(Evaluator.create(evaluation, listener, new TrainerMeters(new SimpleMeterRegistry()),
                new EvaluatorSettings(RUN, 1, 0, 1000,
                Duration.ofSeconds(5)), new InProcessTransport()));
    }

    private static PhiSnapshot snapshot(long version) {
        return new PhiSnapshot(version, Nd4j.createFromArray((double) version, 1.0));
    }

    private static EvaluationResult result(long version, double accuracy) {
        return new EvaluationResult(version, accuracy, Map.of("kitchen", accuracy / 2), 0.0);
    }

    private static EvaluatorSummary summary(ActorRef<Evaluator.Command> evaluator) {
        TestProbe<EvaluatorSummary> probe = KIT.createTestProbe();
        evaluator.tell(new Evaluator.GetSummary(probe.getRef()));
        return probe.receiveMessage();
    }

    private static EvaluatorSummary drain(ActorRef<Evaluator.Command> evaluator) {
        TestProbe<EvaluatorSummary> probe = KIT.createTestProbe();
        evaluator.tell(new Evaluator.Drain(Evaluator.UNKNOWN_FINAL_VERSION, probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void shouldAlwaysTakeTheNewestSnapshotWhileProducersAreFasterThanEvaluation() throws InterruptedException {
        BlockingQueue<Long> started = new LinkedBlockingQueue<>();
        Semaphore release = new Semaphore(0);
        PhiEvaluation slow = (phi, version) -> {
            started.add(version);
            release.acquireUninterruptibly();
            return result(version, 0.5);
        };
        ActorRef<Evaluator.Command> evaluator = spawn(slow, new EvaluationListener() {
        });
        long version = 0;
        evaluator.tell(new Evaluator.Evaluate(snapshot(++version)));
        assertEquals(1L, started.poll(5, TimeUnit.SECONDS));
        long expectedSkipped = 0;
        for (int round = 0; round < 3; round++) {
            // Ten snapshots arrive while one evaluation is running: nine of them are conflated away.
            for (int k = 0; k < 10; k++) {
                evaluator.tell(new Evaluator.Evaluate(snapshot(++version)));
            }
            expectedSkipped += 9;
            awaitSkipped(evaluator, expectedSkipped);
            release.release();
            Long next = started.poll(5, TimeUnit.SECONDS);
            assertNotNull(next);
            assertEquals(version, next, "the next evaluation must take the newest snapshot");
        }
        release.release();
        EvaluatorSummary end = drain(evaluator);
        assertEquals(4, end.evaluated());
        assertEquals(31, end.offered());
        assertEquals(27, end.skipped());
        assertEquals(List.of(1L, 11L, 21L, 31L), end.history().stream().map(EvaluationResult::version).toList());
    }

    private static void awaitSkipped(ActorRef<Evaluator.Command> evaluator, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (summary(evaluator).skipped() < expected) {
            assertTrue(System.nanoTime() < deadline, "snapshots did not reach the conflation stage");
            Thread.sleep(5);
        }
    }

    @Test
    void shouldKeepTheBestPhiByTrainingPlAccuracyWithTheEarlierWinningATie() throws InterruptedException {
        Map<Long, Double> accuracy = Map.of(1L, 0.5, 2L, 0.7, 3L, 0.6, 4L, 0.7);
        BlockingQueue<EvaluationListener.EvaluationEvent> events = new LinkedBlockingQueue<>();
        ActorRef<Evaluator.Command> evaluator = spawn(
                (phi, version) -> result(version, accuracy.get(version)), new EvaluationListener() {
                    @Override
                    public void onEvaluation(EvaluationEvent event) {
                        events.add(event);
                    }
                });
        for (long v = 1; v <= 4; v++) {
            evaluator.tell(new Evaluator.Evaluate(snapshot(v)));
            EvaluationListener.EvaluationEvent event = events.poll(5, TimeUnit.SECONDS);
            assertNotNull(event);
            assertEquals(v, event.result().version());
            assertEquals(v <= 2, event.newBest(), "version " + v);
        }
        EvaluatorSummary end = drain(evaluator);
        EvaluatorSummary.Best best = end.best().orElseThrow();
        assertEquals(2, best.result().version());
        assertEquals(2.0, best.phi().getDouble(0), 0.0);
    }

    @Test
    void shouldCountAFailedEvaluationAndEvaluateTheNextSnapshot() throws InterruptedException {
        BlockingQueue<Long> done = new LinkedBlockingQueue<>();
        ActorRef<Evaluator.Command> evaluator = spawn((phi, version) -> {
            done.add(version);
            if (version == 1) {
                throw new IllegalStateException("injected evaluation failure");
            }
            return result(version, 0.6);
        }, new EvaluationListener() {
        });
        evaluator.tell(new Evaluator.Evaluate(snapshot(1)));
        assertEquals(1L, done.poll(5, TimeUnit.SECONDS));
        evaluator.tell(new Evaluator.Evaluate(snapshot(2)));
        EvaluatorSummary end = drain(evaluator);
        assertEquals(1, end.failed());
        assertEquals(1, end.evaluated());
        assertEquals(2, end.best().orElseThrow().result().version());
    }

    @Test
    void shouldFinishTheSnapshotsInTheStreamBeforeAnsweringADrain() {
        Semaphore release = new Semaphore(0);
        ActorRef<Evaluator.Command> evaluator = spawn((phi, version) -> {
            release.acquireUninterruptibly();
            return result(version, 0.1 * version);
        }, new EvaluationListener() {
        });
        evaluator.tell(new Evaluator.Evaluate(snapshot(1)));
        evaluator.tell(new Evaluator.Evaluate(snapshot(2)));
        TestProbe<EvaluatorSummary> probe = KIT.createTestProbe();
        evaluator.tell(new Evaluator.Drain(2, probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(200));
        release.release(2);
        EvaluatorSummary end = probe.receiveMessage(Duration.ofSeconds(5));
        assertEquals(List.of(1L, 2L), end.history().stream().map(EvaluationResult::version).toList());
    }
}
