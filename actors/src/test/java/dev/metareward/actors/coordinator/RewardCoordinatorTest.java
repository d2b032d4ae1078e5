package dev.metareward.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.metrics.TagKeys;
import dev.metareward.metrics.MeterCatalogue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.actors.checkpoint.CheckpointStore;
import dev.metareward.actors.checkpoint.RotatingCheckpointStore;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.InProcessTransport;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.config.OuterSettings;
import dev.metareward.config.TimeoutSettings;
import dev.metareward.config.TrainingSettings;
import dev.metareward.metrics.RejectReason;
import dev.metareward.tensors.bilevel.Contribution;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RewardCoordinatorTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final String RUN = "run-c";
    private static final double LR = 0.1;
    private static final AtomicInteger SPAWNED = new AtomicInteger();

    @TempDir
    Path checkpointDir;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** A started coordinator with everything it talks to. */
    private final class Fixture {
        final InProcessTransport transport = new InProcessTransport();
        final BlockingQueue<PhiFrame> broadcasts = new LinkedBlockingQueue<>();
        final TestProbe<RewardCoordinator.Event> events = KIT.createTestProbe();
        final SimpleMeterRegistry registry;
        final CheckpointStore store;
        final INDArray phi0 = Nd4j.createFromArray(0.5f, -1.0f, 2.0f, 0.25f);
        final ActorRef<RewardCoordinator.Command> coordinator;

        Fixture(TrainingSettings training, List<String> domains, long target, Duration roundTimeout) {
            this(training, domains, target, roundTimeout, new RotatingCheckpointStore(checkpointDir, 2));
        }

        Fixture(TrainingSettings training, List<String> domains, long target, Duration roundTimeout,
                CheckpointStore store) {
            this(training, domains, target, roundTimeout, store, new SimpleMeterRegistry());
        }

        Fixture(TrainingSettings training, List<String> domains, long target, Duration roundTimeout,
                CheckpointStore store, SimpleMeterRegistry registry) {
            this.store = store;
            this.registry = registry;
            transport.subscribePhi(broadcasts::add);
            TimeoutSettings timeouts = new TimeoutSettings(Duration.ofSeconds(5), roundTimeout, Duration.ofSeconds(30),
                    Duration.ofMinutes(1));
            OuterOptimizer optimizer = OuterOptimizer.create(
                    new OuterSettings((int) target, 2, OuterSettings.Optimizer.SGD, LR, 0.0), phi0.length());
            coordinator = KIT.spawn(RewardCoordinator.create(
                    new CoordinatorSettings(RUN, domains, training, timeouts, target),
                    new RunState(RUN, 0, phi0, optimizer.state(), Map.of()), optimizer, transport, store,
                    new CoordinatorListener() {
                    }, new TrainerMeters(registry), events.getRef()), "coordinator-" + SPAWNED.incrementAndGet(), RewardCoordinator.dispatcher());
            stats(); // answered after the constructor ran: the intake is subscribed from here on
        }

        /** Publishes like a worker: a back-pressured frame is retried until the intake takes it. */
        void publish(ContributionFrame frame) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            PublishResult result;
            while ((result = transport.publishContribution(frame)) == PublishResult.BACK_PRESSURED) {
                assertTrue(System.nanoTime() < deadline, "the intake stayed back-pressured");
                Thread.sleep(1);
            }
            assertEquals(PublishResult.ACCEPTED, result);
        }

        CoordinatorStats stats() {
            TestProbe<CoordinatorStats> probe = KIT.createTestProbe();
            coordinator.tell(new RewardCoordinator.GetStats(probe.getRef()));
            return probe.receiveMessage();
        }

        /** Waits until {@code n} contributions have been accepted or rejected (the intake handles them in order). */
        CoordinatorStats awaitHandled(long n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                CoordinatorStats stats = stats();
                if (stats.acceptedContributions() + stats.rejectedTotal()
                        - stats.rejected(RejectReason.OPTIMIZER_REFUSED) >= n) {
                    return stats;
                }
                assertTrue(System.nanoTime() < deadline, "contributions not handled in time: " + stats);
                Thread.sleep(5);
            }
        }

        PhiSnapshot phi() {
            TestProbe<PhiSnapshot> probe = KIT.createTestProbe();
            coordinator.tell(new RewardCoordinator.GetPhi(probe.getRef()));
            return probe.receiveMessage();
        }

        PhiFrame nextBroadcast() throws InterruptedException {
            PhiFrame frame = broadcasts.poll(5, TimeUnit.SECONDS);
            assertNotNull(frame, "expected a phi broadcast");
            return frame;
        }
    }

    private static TrainingSettings async(int bound, boolean scaling, int checkpointEvery) {
        return new TrainingSettings(TrainingSettings.Mode.ASYNC, bound, scaling, checkpointEvery, 2, 0);
    }

    private static TrainingSettings sync(int checkpointEvery) {
        return new TrainingSettings(TrainingSettings.Mode.SYNC, 0, false, checkpointEvery, 2, 0);
    }

    private static ContributionFrame frame(String domain, long phiVersion, long sequence, INDArray g) {
        return ContributionFrame.of(RUN, sequence, new Contribution(domain, phiVersion, g, 0.69, 2),
                new byte[] {(byte) sequence});
    }

    private static INDArray g(float... values) {
        return Nd4j.createFromArray(values);
    }

    private static int[] bits(INDArray vector) {
        float[] values = vector.toFloatVector();
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    /** What OuterOptimizer's SGD does: phi - lr * scale * g in float64, rounded to phi's float32. */
    private static INDArray sgd(INDArray phi, INDArray g, double scale) {
        return phi.castTo(DataType.DOUBLE).sub(g.castTo(DataType.DOUBLE).mul(LR * scale)).castTo(DataType.FLOAT);
    }

    @Test
    void shouldRejectAndCountInvalidContributionsLeavingPhiBitForBitUnchanged() throws InterruptedException {
        Fixture f = new Fixture(async(2, true, 100), List.of("books", "dvd"), 100, Duration.ofSeconds(30));
        int[] before = bits(f.phi().phi());
        INDArray ok = g(0.1f, 0.2f, 0.3f, 0.4f);
        ContributionFrame good = frame("books", 0, 1, ok);
        f.publish(new ContributionFrame("other-run", "books", 0, 1, 0.7, 2, ok, good.checksum(), new byte[0]));
        f.publish(frame("kitchen", 0, 1, ok));
        f.publish(frame("books", 0, 1, g(0.1f, 0.2f, 0.3f)));
        f.publish(frame("books", 0, 1, Nd4j.createFromArray(0.1, 0.2, 0.3, 0.4)));
        f.publish(new ContributionFrame(RUN, "books", 0, 1, 0.7, 2, ok, good.checksum() ^ 1, new byte[0]));
        f.publish(frame("books", 0, 1, g(0.1f, Float.NaN, 0.3f, 0.4f)));
        f.publish(frame("books", 0, 1, g(0.1f, 0.2f, Float.POSITIVE_INFINITY, 0.4f)));
        f.publish(ContributionFrame.of(RUN, 1, new Contribution("books", 0, ok, Double.NaN, 2), new byte[0]));
        f.publish(frame("books", 3, 1, ok));
        CoordinatorStats stats = f.awaitHandled(9);
        assertEquals(0, stats.acceptedContributions());
        assertEquals(1, stats.rejected(RejectReason.WRONG_RUN));
        assertEquals(1, stats.rejected(RejectReason.UNKNOWN_DOMAIN));
        assertEquals(2, stats.rejected(RejectReason.WRONG_SHAPE));
        assertEquals(1, stats.rejected(RejectReason.BAD_CHECKSUM));
        assertEquals(3, stats.rejected(RejectReason.NON_FINITE));
        assertEquals(1, stats.rejected(RejectReason.FUTURE_VERSION));
        assertEquals(0, stats.version());
        PhiSnapshot after = f.phi();
        assertEquals(0, after.version());
        assertArrayEquals(before, bits(after.phi()), "a rejected contribution must not change phi");
        assertEquals(1, stats.broadcasts(), "only the initial broadcast");
        assertEquals(3.0, f.registry.get(MeterCatalogue.CONTRIBUTIONS_REJECTED.meterName())
                .tag(TagKeys.REASON, "non-finite").counter().count(), "the stats are read from the node's meters");
        assertEquals(0.0, f.registry.get(MeterCatalogue.CONTRIBUTIONS_REJECTED.meterName())
                .tag(TagKeys.REASON, "too-stale").counter().count(), "every reason is exported, zero included");
    }

    @Test
    void shouldCountFromZeroWhenACoordinatorRestartsOnANodeWhoseMetersHoldItsPredecessorsCounts()
            throws InterruptedException {
        SimpleMeterRegistry node = new SimpleMeterRegistry();
        Fixture first = new Fixture(async(2, true, 100), List.of("books"), 100, Duration.ofSeconds(30),
                new RotatingCheckpointStore(checkpointDir, 2), node);
        first.publish(frame("books", 0, 1, g(0.1f, 0.2f, 0.3f, 0.4f)));
        first.publish(frame("kitchen", 0, 1, g(0.1f, 0.2f, 0.3f, 0.4f)));
        assertEquals(1, first.awaitHandled(2).acceptedContributions());
        KIT.stop(first.coordinator);

        Fixture second = new Fixture(async(2, true, 100), List.of("books"), 100, Duration.ofSeconds(30),
                new RotatingCheckpointStore(checkpointDir.resolve("second"), 2), node);
        CoordinatorStats fresh = second.stats();
        assertEquals(0, fresh.acceptedContributions());
        assertEquals(0, fresh.rejected(RejectReason.UNKNOWN_DOMAIN));
        assertEquals(1, fresh.broadcasts(), "its own initial broadcast");
        assertEquals(1.0, node.get(MeterCatalogue.CONTRIBUTIONS_ACCEPTED.meterName()).counter().count(),
                "the node's counter keeps counting across incarnations");
        assertEquals(1.0, node.get(MeterCatalogue.PHI_VERSION.meterName()).gauge().value());
    }

    @Test
    void shouldApplyWithinTheStalenessBoundScaledAndDropOlderContributions() throws InterruptedException {
        Fixture f = new Fixture(async(2, true, 100), List.of("books", "dvd"), 100, Duration.ofSeconds(30));
        INDArray expected = f.phi0.dup();
        INDArray g1 = g(1f, 2f, 3f, 4f);
        INDArray g2 = g(-1f, 0.5f, 0.25f, 2f);
        INDArray g3 = g(0.3f, -0.7f, 1.1f, -2f);
        f.publish(frame("books", 0, 1, g1));
        f.publish(frame("dvd", 0, 1, g2));
        f.publish(frame("books", 0, 2, g3));
        f.awaitHandled(3);
        expected = sgd(expected, g1, 1.0);
        expected = sgd(expected, g2, 1.0 / 2);
        expected = sgd(expected, g3, 1.0 / 3);
        PhiSnapshot atThree = f.phi();
        assertEquals(3, atThree.version());
        assertArrayEquals(bits(expected), bits(atThree.phi()));
        f.publish(frame("dvd", 0, 2, g(5f, 5f, 5f, 5f)));
        CoordinatorStats stats = f.awaitHandled(4);
        assertEquals(1, stats.rejected(RejectReason.TOO_STALE));
        assertEquals(3, stats.acceptedContributions());
        assertEquals(Map.of("books", 2L, "dvd", 1L), stats.acceptedByDomain());
        assertArrayEquals(bits(atThree.phi()), bits(f.phi().phi()));
        f.publish(frame("dvd", 1, 3, g1));
        CoordinatorStats last = f.awaitHandled(5);
        assertEquals(1, last.rejected(RejectReason.TOO_STALE), "staleness 2 is within S = 2");
        assertEquals(4, last.version());
    }

    @Test
    void shouldApplyTheStepUnscaledWhenStalenessScalingIsOff() throws InterruptedException {
        Fixture f = new Fixture(async(2, false, 100), List.of("books"), 100, Duration.ofSeconds(30));
        INDArray g1 = g(1f, 2f, 3f, 4f);
        f.publish(frame("books", 0, 1, g1));
        f.publish(frame("books", 0, 2, g1));
        f.awaitHandled(2);
        assertArrayEquals(bits(sgd(sgd(f.phi0, g1, 1.0), g1, 1.0)), bits(f.phi().phi()));
    }

    @Test
    void shouldAverageOneContributionPerDomainInSyncMode() throws InterruptedException {
        Fixture f = new Fixture(sync(100), List.of("books", "dvd"), 100, Duration.ofSeconds(30));
        PhiFrame initial = f.nextBroadcast();
        assertEquals(0, initial.version());
        assertEquals(Set.of("books", "dvd"), initial.awaitedDomains());
        INDArray ga = g(1f, 2f, 3f, 4f);
        INDArray gb = g(3f, -2f, 1f, 0f);
        f.publish(frame("books", 0, 1, ga));
        f.publish(frame("books", 0, 2, ga));
        CoordinatorStats waiting = f.awaitHandled(2);
        assertEquals(1, waiting.rejected(RejectReason.DUPLICATE));
        assertEquals(0, waiting.version(), "sync mode waits for every domain");
        f.publish(frame("dvd", 0, 1, gb));
        f.awaitHandled(3);
        PhiSnapshot after = f.phi();
        assertEquals(1, after.version());
        assertArrayEquals(bits(sgd(f.phi0, ga.add(gb).div(2), 1.0)), bits(after.phi()));
        PhiFrame next = f.nextBroadcast();
        assertEquals(1, next.version());
        assertEquals(Set.of("books", "dvd"), next.awaitedDomains());
        assertArrayEquals(bits(after.phi()), bits(next.vector()));
        f.publish(frame("dvd", 0, 2, gb));
        assertEquals(1, f.awaitHandled(4).rejected(RejectReason.TOO_STALE));
    }

    @Test
    void shouldKeepPhiAndAskForANewRoundWhenTheOptimizerRefusesTheMean() throws InterruptedException {
        Fixture f = new Fixture(sync(100), List.of("books", "dvd"), 100, Duration.ofSeconds(30));
        f.nextBroadcast();
        int[] before = bits(f.phi().phi());
        // Each is finite; their float32 sum overflows to infinity.
        f.publish(frame("books", 0, 1, g(Float.MAX_VALUE, 0f, 0f, 0f)));
        f.publish(frame("dvd", 0, 1, g(Float.MAX_VALUE, 0f, 0f, 0f)));
        f.awaitHandled(2);
        CoordinatorStats stats = f.stats();
        assertEquals(1, stats.rejected(RejectReason.OPTIMIZER_REFUSED));
        assertEquals(0, stats.version());
        assertArrayEquals(before, bits(f.phi().phi()));
        PhiFrame retry = f.nextBroadcast();
        assertEquals(0, retry.version());
        assertEquals(Set.of("books", "dvd"), retry.awaitedDomains());
    }

    @Test
    void shouldCheckpointEveryNUpdatesAndOnFinish() throws Exception {
        Fixture f = new Fixture(async(2, true, 2), List.of("books"), 100, Duration.ofSeconds(30));
        for (int s = 1; s <= 3; s++) {
            f.publish(frame("books", s - 1, s, g(0.1f * s, 0f, 0f, -0.1f)));
        }
        f.awaitHandled(3);
        assertTrue(Files.exists(checkpointDir.resolve("phi-000000000002.ckpt")));
        TestProbe<RewardCoordinator.Finished> probe = KIT.createTestProbe();
        f.coordinator.tell(new RewardCoordinator.Finish(probe.getRef()));
        RewardCoordinator.Finished finished = probe.receiveMessage();
        assertEquals(3, finished.state().version());
        assertEquals(checkpointDir.resolve("phi-000000000003.ckpt"), finished.checkpoint().orElseThrow());
        CheckpointStore.Loaded loaded = f.store.loadNewestValid(4).orElseThrow();
        assertEquals(3, loaded.state().version());
        assertArrayEquals(bits(f.phi().phi()), bits(loaded.state().phi().castTo(DataType.FLOAT)));
        assertEquals(3, loaded.state().optimizer().steps());
        assertEquals(3, loaded.state().domains().get("books").lastSequence());
        assertArrayEquals(new byte[] {3}, loaded.state().domains().get("books").position());
        f.publish(frame("books", 3, 4, g(1f, 1f, 1f, 1f)));
        assertEquals(1, f.awaitHandled(4).rejected(RejectReason.RUN_FINISHED));
    }

    @Test
    void shouldReportTheTargetVersionAndRejectLaterContributions() throws InterruptedException {
        Fixture f = new Fixture(async(2, true, 100), List.of("books"), 2, Duration.ofSeconds(30));
        f.publish(frame("books", 0, 1, g(1f, 0f, 0f, 0f)));
        f.publish(frame("books", 1, 2, g(1f, 0f, 0f, 0f)));
        assertEquals(new RewardCoordinator.TargetReached(2), f.events.receiveMessage());
        f.publish(frame("books", 2, 3, g(1f, 0f, 0f, 0f)));
        CoordinatorStats stats = f.awaitHandled(3);
        assertEquals(1, stats.rejected(RejectReason.RUN_FINISHED));
        assertEquals(2, stats.version());
    }

    @Test
    void shouldRebroadcastToTheMissingDomainsWhenARoundTimesOutThenFail() throws InterruptedException {
        Fixture f = new Fixture(sync(100), List.of("books", "dvd"), 100, Duration.ofMillis(150));
        long first = f.nextBroadcast().sequence();
        f.publish(frame("books", 0, 1, g(1f, 0f, 0f, 0f)));
        f.awaitHandled(1);
        PhiFrame retry = f.nextBroadcast();
        assertEquals(0, retry.version());
        assertTrue(retry.sequence() > first);
        assertEquals(Set.of("dvd"), retry.awaitedDomains());
        assertEquals(Set.of("dvd"), f.nextBroadcast().awaitedDomains());
        RewardCoordinator.Event event = f.events.receiveMessage(Duration.ofSeconds(5));
        assertTrue(event instanceof RewardCoordinator.Failed failed && failed.message().contains("[dvd]"),
                event.toString());
        assertEquals(RewardCoordinator.MAX_SILENT_ROUNDS, f.stats().roundTimeouts());
        assertNull(f.broadcasts.poll(300, TimeUnit.MILLISECONDS), "no re-broadcast after reporting failure");
    }

    @Test
    void shouldBroadcastEveryVersionAndTheTargetVersionAwaitingNoDomain() throws InterruptedException {
        Fixture f = new Fixture(sync(100), List.of("books"), 2, Duration.ofSeconds(30));
        assertEquals(0, f.nextBroadcast().version());
        f.publish(frame("books", 0, 1, g(0.1f, 0f, 0f, 0f)));
        PhiFrame first = f.nextBroadcast();
        assertEquals(1, first.version());
        assertEquals(Set.of("books"), first.awaitedDomains());
        f.publish(frame("books", 1, 2, g(0.1f, 0f, 0f, 0f)));
        PhiFrame last = f.nextBroadcast();
        assertEquals(2, last.version(), "the evaluator gets the final phi from the broadcasts");
        assertEquals(Set.of(), last.awaitedDomains(), "no worker computes with the final phi");
        assertArrayEquals(bits(f.phi().phi()), bits(last.vector()));
        assertEquals(new RewardCoordinator.TargetReached(2), f.events.receiveMessage());
        assertNull(f.broadcasts.poll(200, TimeUnit.MILLISECONDS));
    }

    private static RewardCoordinator.WorkerRegistered register(Fixture f, String domain) {
        TestProbe<RewardCoordinator.WorkerRegistered> probe = KIT.createTestProbe();
        f.coordinator.tell(new RewardCoordinator.RegisterWorker(domain, probe.getRef()));
        return probe.receiveMessage();
    }

    @Test
    void shouldTellARegisteringSyncWorkerWhereToResumeAndRebroadcastPhiOnlyWhenItOwesTheRound()
            throws InterruptedException {
        Fixture f = new Fixture(sync(100), List.of("books", "dvd", "electronics"), 100, Duration.ofSeconds(30));
        long first = f.nextBroadcast().sequence();
        f.publish(frame("books", 0, 1, g(1f, 0f, 0f, 0f)));
        f.awaitHandled(1);

        RewardCoordinator.WorkerRegistered dvd = register(f, "dvd");
        assertEquals("dvd", dvd.domain());
        assertEquals(0, dvd.version());
        assertEquals(Optional.empty(), dvd.resume(), "dvd has no accepted contribution yet");
        assertTrue(dvd.owesContribution(), "the round waits for dvd");
        PhiFrame toDvd = f.nextBroadcast();
        assertEquals(0, toDvd.version());
        assertTrue(toDvd.sequence() > first, "a re-broadcast is a new broadcast");
        // The reply told dvd it owes the round; asking anyone here would make workers that already computed this
        // round compute twice, and a broadcast to dvd alone would hide the earlier one to electronics.
        assertEquals(Set.of(), toDvd.awaitedDomains());

        RewardCoordinator.WorkerRegistered books = register(f, "books");
        assertEquals(0, books.version());
        assertFalse(books.owesContribution(), "books already contributed to this round");
        assertEquals(1, books.resume().orElseThrow().lastSequence());
        assertArrayEquals(new byte[] {1}, books.resume().orElseThrow().position());
        assertNull(f.broadcasts.poll(300, TimeUnit.MILLISECONDS), "books already contributed to this round");
    }

    @Test
    void shouldAlwaysRebroadcastPhiToARegisteringAsyncWorker() throws InterruptedException {
        Fixture f = new Fixture(async(2, true, 100), List.of("books"), 100, Duration.ofSeconds(30));
        f.nextBroadcast();
        f.publish(frame("books", 0, 1, g(1f, 0f, 0f, 0f)));
        f.awaitHandled(1);
        assertEquals(1, f.nextBroadcast().version());
        RewardCoordinator.WorkerRegistered books = register(f, "books");
        assertEquals(1, books.version());
        assertEquals(1, books.resume().orElseThrow().lastSequence());
        PhiFrame again = f.nextBroadcast();
        assertEquals(1, again.version());
        assertEquals(Set.of(), again.awaitedDomains(), "async workers take any newer phi");
    }

    @Test
    void shouldAnswerARegistrationOfAnUnknownDomainWithoutRebroadcasting() throws InterruptedException {
        Fixture f = new Fixture(sync(100), List.of("books"), 100, Duration.ofSeconds(30));
        f.nextBroadcast();
        RewardCoordinator.WorkerRegistered kitchen = register(f, "kitchen");
        assertEquals(Optional.empty(), kitchen.resume());
        assertNull(f.broadcasts.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void shouldBackPressurePublishersWhileTheCoordinatorIsBusy() throws Exception {
        CheckpointStore real = new RotatingCheckpointStore(checkpointDir, 2);
        CountDownLatch checkpointing = new CountDownLatch(1);
        CheckpointStore slow = new CheckpointStore() {
            @Override
            public Path save(RunState state) throws java.io.IOException {
                checkpointing.countDown();
                try {
                    Thread.sleep(300); // a slow disk
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return real.save(state);
            }

            @Override
            public Optional<Loaded> loadNewestValid(long phiLength) throws java.io.IOException {
                return real.loadNewestValid(phiLength);
            }
        };
        Fixture f = new Fixture(async(100, true, 1), List.of("books"), 1000, Duration.ofSeconds(30), slow);
        f.publish(frame("books", 0, 1, g(0.1f, 0f, 0f, 0f)));
        assertTrue(checkpointing.await(5, TimeUnit.SECONDS));
        int accepted = 0;
        int backPressured = 0;
        for (int s = 2; s <= 21; s++) {
            PublishResult result = f.transport.publishContribution(frame("books", 0, s, g(0.1f, 0f, 0f, 0f)));
            if (result == PublishResult.ACCEPTED) {
                accepted++;
            } else if (result == PublishResult.BACK_PRESSURED) {
                backPressured++;
            }
        }
        assertEquals(20, accepted + backPressured);
        assertTrue(accepted <= 6, "only the intake's buffer fills up, accepted " + accepted);
        assertTrue(backPressured >= 14, "the rest is refused with back-pressure, got " + backPressured);
        CoordinatorStats stats = f.awaitHandled(1 + accepted);
        assertEquals(1 + accepted, stats.acceptedContributions(), "everything taken is handled: " + stats);
    }
}
