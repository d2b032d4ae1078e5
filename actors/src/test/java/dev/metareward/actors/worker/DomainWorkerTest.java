package dev.metareward.actors.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.metrics.TagKeys;
import dev.metareward.metrics.MeterCatalogue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.actors.testing.QuadraticComputer;
import dev.metareward.actors.testing.SeededBatches;
import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.InProcessTransport;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.config.TrainingSettings;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DomainWorkerTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final String RUN = "run-w";
    private static final AtomicInteger SPAWNED = new AtomicInteger();

    private InProcessTransport transport;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrainerMeters meters = new TrainerMeters(registry);
    private BlockingQueue<ContributionFrame> received;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        transport = new InProcessTransport();
        received = new LinkedBlockingQueue<>(4);
        transport.subscribeContributions(received::offer);
    }

    private static WorkerSettings settings(TrainingSettings.Mode mode, Duration phiWait) {
        return new WorkerSettings(RUN, AggregationPolicy.from(new TrainingSettings(mode, 2, true, 10, 3, 0)), phiWait,
                Duration.ofSeconds(5), OptionalInt.empty());
    }

    private ActorRef<DomainWorker.Command> spawn(Behavior<DomainWorker.Command> behavior) {
        return KIT.spawn(behavior, "worker-" + SPAWNED.incrementAndGet(), DomainWorker.dispatcher());
    }

    private static PhiFrame phi(long version, long sequence, Set<String> awaited) {
        INDArray vector = Nd4j.createFromArray(0.5f * version, -0.25f, 1f);
        return PhiFrame.of(RUN, version, sequence, awaited, vector);
    }

    private ContributionFrame next() throws InterruptedException {
        ContributionFrame frame = received.poll(5, TimeUnit.SECONDS);
        assertNotNull(frame, "expected a contribution within 5 s");
        return frame;
    }

    private void expectNone() throws InterruptedException {
        assertNull(received.poll(300, TimeUnit.MILLISECONDS), "expected no contribution");
    }

    @Test
    void shouldComputeOncePerBroadcastAddressedToItsDomainInSyncMode() throws InterruptedException {
        SeededBatches batches = new SeededBatches("books", 1);
        ActorRef<DomainWorker.Command> worker = spawn(DomainWorker.create(settings(TrainingSettings.Mode.SYNC,
                Duration.ofSeconds(30)), new DomainSlot(batches, 1), QuadraticComputer::new, transport, meters));
        transport.publishPhi(phi(0, 1, Set.of("books", "dvd")));
        ContributionFrame first = next();
        assertEquals(0, first.phiVersion());
        assertEquals(1, first.sequence());
        assertEquals("books", first.domain());
        assertEquals(RUN, first.runId());
        assertEquals(VectorChecksum.of(first.vector()), first.checksum());
        expectNone();
        transport.publishPhi(phi(1, 2, Set.of("books", "dvd")));
        ContributionFrame second = next();
        assertEquals(1, second.phiVersion());
        assertEquals(2, second.sequence());
        transport.publishPhi(phi(1, 3, Set.of("dvd")));
        expectNone();
        assertEquals(2, batches.drawn());
        assertEquals(2, registry.get(MeterCatalogue.META_STEP.meterName()).tag(TagKeys.DOMAIN, "books").timer()
                .count(), "one meta step per contribution");
        assertEquals(1.0, registry.get(MeterCatalogue.PHI_VERSION.meterName()).gauge().value());
        KIT.stop(worker);
    }

    @Test
    void shouldComputeOnceWhatItOwesSinceRegistrationWhateverTheNewestBroadcastIsAddressedTo()
            throws InterruptedException {
        SeededBatches batches = new SeededBatches("books", 1);
        DomainSlot slot = new DomainSlot(batches, 1);
        slot.owe(3);
        ActorRef<DomainWorker.Command> worker = spawn(DomainWorker.create(settings(TrainingSettings.Mode.SYNC,
                Duration.ofSeconds(30)), slot, QuadraticComputer::new, transport, meters));
        transport.publishPhi(phi(2, 10, Set.of()));
        expectNone();
        transport.publishPhi(phi(3, 11, Set.of("dvd")));
        assertEquals(3, next().phiVersion(), "owed at version 3: computes although the broadcast asks dvd");
        transport.publishPhi(phi(3, 12, Set.of()));
        expectNone();
        assertEquals(1, batches.drawn(), "one contribution, one batch");
        KIT.stop(worker);
    }

    @Test
    void shouldKeepComputingWithTheNewestPhiInAsyncMode() throws InterruptedException {
        ActorRef<DomainWorker.Command> worker = spawn(DomainWorker.create(settings(TrainingSettings.Mode.ASYNC,
                Duration.ofSeconds(30)), new DomainSlot(new SeededBatches("dvd", 2), 1), QuadraticComputer::new,
                transport, meters));
        transport.publishPhi(phi(0, 1, Set.of()));
        long lastSequence = 0;
        for (int i = 0; i < 3; i++) {
            ContributionFrame frame = next();
            assertEquals(0, frame.phiVersion());
            assertTrue(frame.sequence() > lastSequence);
            lastSequence = frame.sequence();
        }
        transport.publishPhi(phi(5, 2, Set.of()));
        boolean sawNewest = false;
        for (int i = 0; i < 20 && !sawNewest; i++) {
            sawNewest = next().phiVersion() == 5;
        }
        assertTrue(sawNewest, "an async worker must move on to the newest phi");
        KIT.stop(worker);
    }

    @Test
    void shouldRepublishItsLastContributionWhenNoNewPhiComesInTime() throws InterruptedException {
        ActorRef<DomainWorker.Command> worker = spawn(DomainWorker.create(settings(TrainingSettings.Mode.SYNC,
                Duration.ofMillis(200)), new DomainSlot(new SeededBatches("books", 3), 7), QuadraticComputer::new,
                transport, meters));
        transport.publishPhi(phi(0, 1, Set.of("books")));
        ContributionFrame first = next();
        ContributionFrame again = next();
        assertEquals(7, first.sequence());
        assertEquals(first.sequence(), again.sequence());
        assertEquals(first.checksum(), again.checksum());
        KIT.stop(worker);
    }

    @Test
    void shouldDropPhiOfAnotherRunOrWithABadChecksum() throws InterruptedException {
        ActorRef<DomainWorker.Command> worker = spawn(DomainWorker.create(settings(TrainingSettings.Mode.SYNC,
                Duration.ofSeconds(30)), new DomainSlot(new SeededBatches("books", 4), 1), QuadraticComputer::new,
                transport, meters));
        PhiFrame good = phi(0, 1, Set.of("books"));
        transport.publishPhi(new PhiFrame("other-run", 0, 1, Set.of("books"), good.vector(), good.checksum()));
        transport.publishPhi(new PhiFrame(RUN, 0, 2, Set.of("books"), good.vector(), good.checksum() + 1));
        expectNone();
        transport.publishPhi(phi(0, 3, Set.of("books")));
        assertEquals(0, next().phiVersion());
        KIT.stop(worker);
    }

    @Test
    void shouldRestartAfterAFailureMidStepAndContributeAgain() throws InterruptedException {
        SeededBatches batches = new SeededBatches("books", 5);
        AtomicInteger created = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        DomainStepFactory failingOnSecondCall = (domain, b) -> {
            created.incrementAndGet();
            QuadraticComputer real = new QuadraticComputer(domain, b);
            return (phi, version) -> {
                var contribution = real.compute(phi, version);
                if (calls.incrementAndGet() == 2) {
                    throw new IllegalStateException("injected failure in the middle of a step");
                }
                return contribution;
            };
        };
        SupervisionSettings fast = new SupervisionSettings(Duration.ofMillis(20), Duration.ofMillis(100), 0.0, 3);
        ActorRef<DomainWorker.Command> worker = spawn(DomainWorker.supervised(settings(TrainingSettings.Mode.SYNC,
                Duration.ofSeconds(30)), new DomainSlot(batches, 1), failingOnSecondCall, transport, meters, fast));
        transport.publishPhi(phi(0, 1, Set.of("books")));
        assertEquals(1, next().sequence());
        transport.publishPhi(phi(1, 2, Set.of("books")));
        ContributionFrame afterRestart = next();
        assertEquals(1, afterRestart.phiVersion(), "the restarted worker resumes from the newest phi");
        assertEquals(2, afterRestart.sequence(), "sequence numbers survive the restart");
        assertEquals(2, created.get(), "the computer is rebuilt once after the restart");
        assertEquals(3, batches.drawn(), "the data continues where it was, including the failed step's batch");
        assertEquals(1, transport.phiSubscriberCount(), "the failed incarnation's subscription was closed");
        KIT.stop(worker);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (transport.phiSubscriberCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, transport.phiSubscriberCount(), "a stopped worker unsubscribes");
    }
}
