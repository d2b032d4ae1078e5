package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.DataPlaneTestSupport.*;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.DTYPE_FLOAT32;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.TYPE_CONTRIBUTION;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.TYPE_PHI;
import static org.junit.jupiter.api.Assertions.*;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.cluster.aeron.AeronTransportSettings.Node;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frames crafted byte by byte and published on a plain Aeron publication: every bad one is dropped, counted by
 * reason and never delivered; the good one after them is delivered unchanged.
 */
@Timeout(60)
class AeronFrameVerificationTest {

    private static final int LENGTH = 256;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            CloseHelper.quietClose(resources.get(i));
        }
    }

    /** Header + body of one fragment as a sender would write it, body cut to {@code sendBytes}. */
    private static byte[] fragment(RunSecret secret, String runId, byte type, long elements, long crc, byte[] body,
                                   int index, int count, long offset, int sendBytes) {
        return fragment(secret, runId, type, elements, crc, body, index, count, offset, sendBytes, 11);
    }

    private static byte[] fragment(RunSecret secret, String runId, byte type, long elements, long crc, byte[] body,
                                   int index, int count, long offset, int sendBytes, long sequence) {
        FrameEncoder encoder = new FrameEncoder(secret, runId);
        int headerLength = encoder.begin(type, DTYPE_FLOAT32, elements, 5, sequence, crc, 0.25, 4,
                type == TYPE_CONTRIBUTION ? "books" : "", new byte[] {9}, Set.of("books"));
        encoder.fragment(index, count, offset, ByteBuffer.wrap(body));
        byte[] out = new byte[headerLength + sendBytes];
        encoder.headerBuffer().getBytes(0, out, 0, headerLength);
        System.arraycopy(body, 0, out, headerLength, sendBytes);
        return out;
    }

    private static byte[] whole(RunSecret secret, String runId, byte type, INDArray v, long crc) {
        byte[] body = bytes(v);
        return fragment(secret, runId, type, v.length(), crc, body, 0, 1, 0, body.length);
    }

    private static void offer(Publication publication, byte[] message) {
        UnsafeBuffer buffer = new UnsafeBuffer(message);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (publication.offer(buffer) < 0) {
            assertTrue(System.nanoTime() < deadline, "raw publication not accepted");
            sleep(1);
        }
    }

    private Publication rawPublication(AeronTransport target, String channel, int stream) {
        Aeron client = Aeron.connect(new Aeron.Context().aeronDirectoryName(target.aeronDirectoryName()));
        resources.add(client);
        ExclusivePublication publication = client.addExclusivePublication(channel, stream);
        resources.add(publication);
        await(publication::isConnected, () -> "the raw publication to connect to " + channel);
        return publication;
    }

    private AeronTransport track(AeronTransport t) {
        resources.add(t);
        return t;
    }

    @Test
    void shouldDropBadContributionsByReasonOverUdpAndDeliverOnlyTheGoodOne() {
        Node node = new Node("coord", "127.0.0.1", ports());
        AeronTransport coordinator = track(AeronTransport.start(AeronTransportSettings.udp(RUN, SECRET, node,
                List.of(node), true, 1, LENGTH, DataType.FLOAT, aeron(driverDir("verify-udp")))));
        List<ContributionFrame> delivered = new CopyOnWriteArrayList<>();
        coordinator.subscribeContributions(delivered::add);
        Publication raw = rawPublication(coordinator, DataPlaneChannels.contributionSubscription(node)
                + "|term-length=" + TERM + "|mtu=8192", DataPlaneChannels.CONTRIBUTION_STREAM_ID);

        INDArray v = randomVector(LENGTH, DataType.FLOAT, 3);
        long crc = VectorChecksum.of(v);
        RunSecret otherSecret = RunSecret.of("another-secret-of-enough-bytes".getBytes(StandardCharsets.UTF_8));
        byte[] body = bytes(v);
        INDArray longer = randomVector(LENGTH + 1, DataType.FLOAT, 3);

        offer(raw, whole(otherSecret, RUN, TYPE_CONTRIBUTION, v, crc));                          // wrong HMAC
        byte[] tampered = whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc);
        tampered[tampered.length - 1] ^= 1;                                                       // body changed
        offer(raw, tampered);
        offer(raw, whole(SECRET, "other-run", TYPE_CONTRIBUTION, v, crc));                        // wrong run id
        offer(raw, whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc ^ 0x5A));                         // bad CRC
        offer(raw, fragment(SECRET, RUN, TYPE_CONTRIBUTION, LENGTH, crc, body, 0, 1, 0, body.length / 2)); // cut
        offer(raw, whole(SECRET, RUN, TYPE_CONTRIBUTION, longer, VectorChecksum.of(longer)));    // wrong shape
        offer(raw, new byte[40]);                                                                 // < header
        byte[] noise = new byte[300];
        new SplittableRandom(1).nextBytes(noise);
        offer(raw, noise);                                                                        // not ours
        byte[] headerChanged = whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc);
        headerChanged[FrameHeaderFlyweight.PHI_VERSION_OFFSET] ^= 1;                               // header changed
        offer(raw, headerChanged);
        byte[] macChanged = whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc);
        macChanged[FrameHeaderFlyweight.MAC_OFFSET + 31] ^= (byte) 0x80;                          // MAC changed
        offer(raw, macChanged);
        byte[] zeroExtended = java.util.Arrays.copyOf(whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc),
                whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc).length + 4);                        // + 4 zero bytes
        offer(raw, zeroExtended);
        byte[] version1 = whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc);
        version1[FrameHeaderFlyweight.VERSION_OFFSET] = 1;                                        // format 1
        offer(raw, version1);
        offer(raw, whole(SECRET, RUN, TYPE_CONTRIBUTION, v, crc));                                // good

        await(() -> delivered.size() == 1, () -> "the good frame; " + coordinator.stats());
        DataPlaneStats.Snapshot s = coordinator.stats().snapshot();
        assertEquals(4, s.drops(DropReason.BAD_HMAC), s.toString());
        assertEquals(1, s.drops(DropReason.WRONG_RUN), s.toString());
        assertEquals(1, s.drops(DropReason.BAD_CRC), s.toString());
        assertEquals(2, s.drops(DropReason.TRUNCATED), s.toString());
        assertEquals(1, s.drops(DropReason.WRONG_SHAPE), s.toString());
        assertEquals(1, s.drops(DropReason.BAD_MAGIC), s.toString());
        assertEquals(1, s.drops(DropReason.MALFORMED), s.toString());
        assertEquals(1, s.drops(DropReason.BAD_VERSION), s.toString());
        assertEquals(12, s.totalDrops(), s.toString());
        sleep(200);
        assertEquals(1, delivered.size(), "only the good frame reaches the handler");
        ContributionFrame good = delivered.get(0);
        assertEquals("books", good.domain());
        assertArrayEquals(new byte[] {9}, good.dataPosition());
        assertSameBits(v, good.vector());
    }

    @Test
    void shouldDropBadPhiFramesAndKeepTheNewestGoodPhiBitForBit() {
        AeronTransport t = track(AeronTransport.start(AeronTransportSettings.ipc(RUN, SECRET, LENGTH,
                DataType.FLOAT, aeron(driverDir("verify-ipc")))));
        List<PhiFrame> delivered = new CopyOnWriteArrayList<>();
        t.subscribePhi(delivered::add);
        INDArray phi = randomVector(LENGTH, DataType.FLOAT, 8);
        publish(() -> t.publishPhi(PhiFrame.of(RUN, 5, 11, Set.of(), phi)));
        await(() -> delivered.size() == 1, () -> "the first phi");

        Publication raw = rawPublication(t, DataPlaneChannels.ipc(aeron(driverDir("unused"))),
                DataPlaneChannels.PHI_STREAM_ID);
        INDArray evil = randomVector(LENGTH, DataType.FLOAT, 66);
        long crc = VectorChecksum.of(evil);
        RunSecret otherSecret = RunSecret.of("another-secret-of-enough-bytes".getBytes(StandardCharsets.UTF_8));
        byte[] body = bytes(evil);
        offer(raw, whole(otherSecret, RUN, TYPE_PHI, evil, crc));
        offer(raw, whole(SECRET, "other-run", TYPE_PHI, evil, crc));
        offer(raw, whole(SECRET, RUN, TYPE_PHI, evil, ~crc & 0xFFFF_FFFFL));
        offer(raw, fragment(SECRET, RUN, TYPE_PHI, LENGTH, crc, body, 0, 1, 0, 100));
        INDArray shorter = randomVector(LENGTH - 8, DataType.FLOAT, 1);
        offer(raw, whole(SECRET, RUN, TYPE_PHI, shorter, VectorChecksum.of(shorter)));
        offer(raw, whole(SECRET, RUN, TYPE_CONTRIBUTION, evil, crc)); // a contribution on the phi stream

        await(() -> t.stats().snapshot().totalDrops() == 6, () -> "six drops; " + t.stats());
        DataPlaneStats.Snapshot s = t.stats().snapshot();
        assertEquals(1, s.drops(DropReason.BAD_HMAC), s.toString());
        assertEquals(1, s.drops(DropReason.WRONG_RUN), s.toString());
        assertEquals(1, s.drops(DropReason.BAD_CRC), s.toString());
        assertEquals(1, s.drops(DropReason.TRUNCATED), s.toString());
        assertEquals(1, s.drops(DropReason.WRONG_SHAPE), s.toString());
        assertEquals(1, s.drops(DropReason.MALFORMED), s.toString());
        assertEquals(1, delivered.size(), "no bad phi reached a subscriber");
        List<PhiFrame> late = new ArrayList<>();
        t.subscribePhi(late::add);
        assertEquals(1, late.size());
        assertSameBits(phi, late.get(0).vector());
    }

    @Test
    void shouldDropAndCountAReassemblyThatNeverCompletes() {
        AeronTransport t = track(AeronTransport.start(AeronTransportSettings.ipc(RUN, SECRET, LENGTH,
                DataType.FLOAT, aeron(driverDir("reassembly"))).withReassemblyTimeout(Duration.ofMillis(300))));
        List<ContributionFrame> delivered = new CopyOnWriteArrayList<>();
        t.subscribeContributions(delivered::add);
        Publication raw = rawPublication(t, DataPlaneChannels.ipc(aeron(driverDir("unused"))),
                DataPlaneChannels.CONTRIBUTION_STREAM_ID);
        INDArray v = randomVector(LENGTH, DataType.FLOAT, 4);
        long crc = VectorChecksum.of(v);
        byte[] body = bytes(v);
        int half = body.length / 2;
        byte[] first = java.util.Arrays.copyOfRange(body, 0, half);
        byte[] second = java.util.Arrays.copyOfRange(body, half, body.length);

        // Fragment 0 of 2 and then nothing (a dead sender): dropped after the timeout.
        offer(raw, fragment(SECRET, RUN, TYPE_CONTRIBUTION, LENGTH, crc, first, 0, 2, 0, first.length));
        await(() -> t.stats().snapshot().reassemblyFailures() == 1, () -> "the timeout; " + t.stats());
        // Its second fragment arriving late is skipped silently (the frame was counted once already).
        offer(raw, fragment(SECRET, RUN, TYPE_CONTRIBUTION, LENGTH, crc, second, 1, 2, half, second.length));
        // Fragment 1 of 2 of another frame without its start: out of order.
        offer(raw, fragment(SECRET, RUN, TYPE_CONTRIBUTION, LENGTH, crc, second, 1, 2, half, second.length, 12));
        await(() -> t.stats().drops(DropReason.FRAGMENT_ORDER) == 1, () -> "an orphan fragment; " + t.stats());
        // Both halves in order: delivered.
        offer(raw, fragment(SECRET, RUN, TYPE_CONTRIBUTION, LENGTH, crc, first, 0, 2, 0, first.length));
        offer(raw, fragment(SECRET, RUN, TYPE_CONTRIBUTION, LENGTH, crc, second, 1, 2, half, second.length));
        await(() -> delivered.size() == 1, () -> "the complete frame; " + t.stats());
        assertSameBits(v, delivered.get(0).vector());
        assertEquals(1, t.stats().snapshot().reassemblyFailures());
        assertEquals(1, t.stats().snapshot().totalDrops(), t.stats().toString());
    }

    @Test
    void shouldWriteTheDocumentedLayout() {
        INDArray v = randomVector(4, DataType.FLOAT, 1);
        byte[] frame = whole(SECRET, RUN, TYPE_CONTRIBUTION, v, 0xCAFEBABEL);
        FrameHeaderFlyweight h = new FrameHeaderFlyweight();
        h.wrap(frame);
        ByteBuffer le = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("MRDP", new String(frame, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(2, le.getShort(4));
        assertEquals(TYPE_CONTRIBUTION, frame[6]);
        assertEquals(DTYPE_FLOAT32, frame[7]);
        assertEquals(0, h.headerLength() % 8);
        assertEquals(h.headerLength() + 16, frame.length, "header then 4 float32 elements");
        assertEquals(4, le.getLong(32));
        assertEquals(5, le.getLong(40));
        assertEquals(11, le.getLong(48));
        assertEquals(0xCAFEBABEL, h.crc());
        assertEquals(0.25, le.getDouble(96));
        assertEquals(4, le.getInt(104));
        assertEquals(RUN.length(), le.getShort(112));
        assertEquals(RUN, new String(frame, 114, RUN.length(), StandardCharsets.UTF_8));
        assertEquals(v.getFloat(0), le.getFloat(h.headerLength()));
    }
}
