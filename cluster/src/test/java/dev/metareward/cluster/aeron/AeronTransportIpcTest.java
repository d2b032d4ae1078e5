package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.DataPlaneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.transport.VectorChecksum;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

@Timeout(60)
class AeronTransportIpcTest {

    private final List<AeronTransport> transports = new ArrayList<>();

    @AfterEach
    void closeAll() {
        transports.forEach(AeronTransport::close);
    }

    private AeronTransport start(long phiLength, DataType type, Path dir) {
        AeronTransport t = AeronTransport.start(AeronTransportSettings.ipc(RUN, SECRET, phiLength, type, aeron(dir)));
        transports.add(t);
        return t;
    }

    @Test
    void shouldRoundTripAContributionAndAPhiBroadcastOverIpc() throws Exception {
        long length = 8321;
        AeronTransport t = start(length, DataType.FLOAT, driverDir("ipc"));
        BlockingQueue<ContributionFrame> contributions = new LinkedBlockingQueue<>();
        BlockingQueue<PhiFrame> phis = new LinkedBlockingQueue<>();
        t.subscribeContributions(contributions::offer);
        t.subscribePhi(phis::add);

        INDArray gradient = randomVector(length, DataType.FLOAT, 1);
        byte[] position = {1, 2, 3, 4, 5};
        ContributionFrame sent = new ContributionFrame(RUN, "books", 7, 42, 0.693, 16, gradient,
                VectorChecksum.of(gradient), position);
        publish(() -> t.publishContribution(sent));
        ContributionFrame got = contributions.poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "no contribution arrived; stats " + t.stats());
        assertEquals(RUN, got.runId());
        assertEquals("books", got.domain());
        assertEquals(7, got.phiVersion());
        assertEquals(42, got.sequence());
        assertEquals(0.693, got.outerLoss());
        assertEquals(16, got.pairs());
        assertArrayEquals(position, got.dataPosition());
        assertEquals(sent.checksum(), got.checksum());
        assertEquals(VectorChecksum.of(got.vector()), got.checksum());
        assertSameBits(gradient, got.vector());

        INDArray phi = randomVector(length, DataType.FLOAT, 2);
        PhiFrame broadcast = PhiFrame.of(RUN, 8, 3, Set.of("books", "dvd"), phi);
        publish(() -> t.publishPhi(broadcast));
        PhiFrame gotPhi = phis.poll(10, TimeUnit.SECONDS);
        assertNotNull(gotPhi, "no phi arrived; stats " + t.stats());
        assertEquals(8, gotPhi.version());
        assertEquals(3, gotPhi.sequence());
        assertEquals(Set.of("books", "dvd"), gotPhi.awaitedDomains());
        assertEquals(broadcast.checksum(), gotPhi.checksum());
        assertSameBits(phi, gotPhi.vector());
        assertEquals(0, t.stats().snapshot().totalDrops(), t.stats().toString());
    }

    @Test
    void shouldDeliverTheNewestBroadcastFirstToALateSubscriber() throws Exception {
        long length = 1000;
        AeronTransport t = start(length, DataType.DOUBLE, driverDir("late"));
        BlockingQueue<PhiFrame> early = new LinkedBlockingQueue<>();
        t.subscribePhi(early::add);
        for (int version = 1; version <= 3; version++) {
            PhiFrame frame = PhiFrame.of(RUN, version, version, Set.of(), randomVector(length, DataType.DOUBLE,
                    version));
            publish(() -> t.publishPhi(frame));
        }
        for (int version = 1; version <= 3; version++) {
            PhiFrame got = early.poll(10, TimeUnit.SECONDS);
            assertNotNull(got);
            assertEquals(version, got.version(), "broadcasts arrive in order");
        }
        List<PhiFrame> late = new CopyOnWriteArrayList<>();
        t.subscribePhi(late::add);
        assertEquals(1, late.size(), "the newest broadcast is delivered at once");
        assertEquals(3, late.get(0).version());
        PhiFrame next = PhiFrame.of(RUN, 4, 4, Set.of(), randomVector(length, DataType.DOUBLE, 4));
        publish(() -> t.publishPhi(next));
        await(() -> late.size() == 2, () -> "the next broadcast");
        assertEquals(4, late.get(1).version());
    }

    @Test
    void shouldHoldAContributionTheCoordinatorRefusesAndDeliverItLater() throws Exception {
        long length = 512;
        AeronTransport t = start(length, DataType.FLOAT, driverDir("refuse"));
        List<ContributionFrame> taken = new CopyOnWriteArrayList<>();
        int[] refusals = {3};
        Transport.Subscription subscription = t.subscribeContributions(frame -> {
            if (refusals[0] > 0) {
                refusals[0]--;
                return false;
            }
            return taken.add(frame);
        });
        INDArray v = randomVector(length, DataType.FLOAT, 9);
        publish(() -> t.publishContribution(new ContributionFrame(RUN, "dvd", 0, 1, 1.0, 8, v,
                VectorChecksum.of(v), new byte[0])));
        await(() -> taken.size() == 1, () -> "the refused contribution to be delivered again");
        assertSameBits(v, taken.get(0).vector());
        assertThrows(IllegalStateException.class, () -> t.subscribeContributions(f -> true),
                "a run has one coordinator");
        subscription.close();
        t.subscribeContributions(f -> true).close();
    }

    @Test
    void shouldRefuseFramesOfAnotherShapeAtThePublisherAndReportClosedAfterClose() {
        AeronTransport t = start(100, DataType.FLOAT, driverDir("shape"));
        INDArray wrong = randomVector(99, DataType.FLOAT, 1);
        assertThrows(IllegalArgumentException.class, () -> t.publishContribution(new ContributionFrame(RUN, "b", 0,
                0, 0, 1, wrong, VectorChecksum.of(wrong), new byte[0])));
        INDArray doubles = randomVector(100, DataType.DOUBLE, 1);
        assertThrows(IllegalArgumentException.class, () -> t.publishPhi(PhiFrame.of(RUN, 0, 0, Set.of(), doubles)));
        t.close();
        INDArray ok = randomVector(100, DataType.FLOAT, 1);
        assertEquals(PublishResult.CLOSED, t.publishPhi(PhiFrame.of(RUN, 0, 0, Set.of(), ok)));
    }

    @Test
    void shouldDeleteTheEmbeddedDriverDirectoryOnClose() {
        Path dir = driverDir("close");
        AeronTransport t = start(10, DataType.FLOAT, dir);
        assertTrue(Files.isDirectory(dir));
        t.close();
        assertFalse(Files.exists(dir), "the embedded driver's directory is removed on close");
    }
}
