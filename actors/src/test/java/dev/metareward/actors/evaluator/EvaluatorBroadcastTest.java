package dev.metareward.actors.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.metrics.TagKeys;
import dev.metareward.metrics.MeterCatalogue;
import dev.metareward.actors.transport.InProcessTransport;
import dev.metareward.actors.transport.PhiFrame;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The evaluator fed by the run's phi broadcasts, as in a run: which versions it keeps and how a drain ends it. */
class EvaluatorBroadcastTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final String RUN = "run-b";

    private final InProcessTransport transport = new InProcessTransport();
    private final BlockingQueue<Long> evaluated = new LinkedBlockingQueue<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long sequence;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private ActorRef<Evaluator.Command> spawn(int every, long start, long target, Duration finalPhiWait) {
        ActorRef<Evaluator.Command> evaluator = KIT.spawn(Evaluator.create(
                (phi, version) -> new EvaluationResult(version, phi.getDouble(0), Map.of("kitchen", phi.getDouble(0)),
                        0.0),
                new EvaluationListener() {
                    @Override
                    public void onEvaluation(EvaluationEvent event) {
                        evaluated.add(event.result().version());
                    }
                }, new TrainerMeters(registry), new EvaluatorSettings(RUN, every, start, target, finalPhiWait), transport));
        summary(evaluator); // answered after the constructor ran: subscribed from here on
        return evaluator;
    }

    private void broadcast(String run, long version) {
        transport.publishPhi(PhiFrame.of(run, version, ++sequence, Set.of(), Nd4j.createFromArray(0.01 * version)));
    }

    private void broadcast(long version) {
        broadcast(RUN, version);
    }

    private void expectEvaluated(long version) throws InterruptedException {
        Long next = evaluated.poll(5, TimeUnit.SECONDS);
        assertNotNull(next, "expected an evaluation of version " + version);
        assertEquals(version, next);
    }

    private static EvaluatorSummary summary(ActorRef<Evaluator.Command> evaluator) {
        TestProbe<EvaluatorSummary> probe = KIT.createTestProbe();
        evaluator.tell(new Evaluator.GetSummary(probe.getRef()));
        return probe.receiveMessage();
    }

    private static List<Long> versions(EvaluatorSummary summary) {
        return summary.history().stream().map(EvaluationResult::version).toList();
    }

    private static EvaluatorSummary drain(ActorRef<Evaluator.Command> evaluator, long finalVersion) {
        TestProbe<EvaluatorSummary> probe = KIT.createTestProbe();
        evaluator.tell(new Evaluator.Drain(finalVersion, probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }

    @Test
    void shouldEvaluatePhi0EveryNthBroadcastVersionOnceAndTheFinalVersion() throws InterruptedException {
        ActorRef<Evaluator.Command> evaluator = spawn(2, 0, 5, Duration.ofSeconds(5));
        broadcast(0);
        expectEvaluated(0); // a fresh run's phi_0 is a candidate for selection
        broadcast(1);
        broadcast(2);
        broadcast(2); // a re-broadcast of the same version (round timeout, worker registration)
        expectEvaluated(2);
        broadcast(3);
        broadcast(4);
        expectEvaluated(4);
        broadcast(5);
        expectEvaluated(5);
        EvaluatorSummary end = drain(evaluator, 5);
        assertEquals(List.of(0L, 2L, 4L, 5L), versions(end));
        assertEquals(4, end.offered());
        assertEquals(5, end.best().orElseThrow().result().version(), "highest training accuracy wins");
        assertEquals(5.0, registry.get(MeterCatalogue.PHI_VERSION.meterName()).gauge().value());
        assertEquals(0.0, registry.get(MeterCatalogue.EVALUATOR_LAG.meterName()).gauge().value(), "5 was evaluated");
        assertEquals(0.05, registry.get(MeterCatalogue.EVALUATOR_PL_ACCURACY.meterName()).tag(TagKeys.DOMAIN, "kitchen")
                .gauge().value(), 1e-12);
    }

    @Test
    void shouldIgnoreTheStartVersionOfAResumedRunAndBroadcastsOfAnotherRun() throws InterruptedException {
        ActorRef<Evaluator.Command> evaluator = spawn(2, 4, 100, Duration.ofSeconds(5));
        broadcast(4);
        broadcast("other-run", 6);
        broadcast(5);
        broadcast(6);
        expectEvaluated(6);
        assertEquals(List.of(6L), versions(drain(evaluator, 6)));
    }

    @Test
    void shouldEvaluateTheFinalVersionOfAStoppedRunFromItsBroadcast() throws InterruptedException {
        ActorRef<Evaluator.Command> evaluator = spawn(10, 0, 100, Duration.ofSeconds(5));
        broadcast(1);
        broadcast(2);
        broadcast(3);
        summary(evaluator); // the broadcasts have been handled
        assertEquals(List.of(3L), versions(drain(evaluator, 3)));
    }

    @Test
    void shouldWaitForTheBroadcastOfTheFinalVersionBeforeAnsweringADrain() {
        ActorRef<Evaluator.Command> evaluator = spawn(0, 0, 4, Duration.ofSeconds(10));
        broadcast(3);
        TestProbe<EvaluatorSummary> probe = KIT.createTestProbe();
        evaluator.tell(new Evaluator.Drain(4, probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(200));
        broadcast(4);
        EvaluatorSummary end = probe.receiveMessage(Duration.ofSeconds(5));
        assertEquals(List.of(4L), versions(end));
    }

    @Test
    void shouldFinishWithoutTheFinalVersionWhenItsBroadcastNeverComes() {
        ActorRef<Evaluator.Command> evaluator = spawn(0, 0, 9, Duration.ofMillis(200));
        broadcast(3);
        EvaluatorSummary end = drain(evaluator, 7);
        assertEquals(List.of(), versions(end));
    }
}
