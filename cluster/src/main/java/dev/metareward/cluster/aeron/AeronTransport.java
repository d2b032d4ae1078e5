package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.DataPlaneChannels.CONTRIBUTION_STREAM_ID;
import static dev.metareward.cluster.aeron.DataPlaneChannels.PHI_STREAM_ID;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.DTYPE_FLOAT32;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.DTYPE_FLOAT64;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.TYPE_CONTRIBUTION;
import static dev.metareward.cluster.aeron.FrameHeaderFlyweight.TYPE_PHI;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.ContributionSubscriber;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.actors.transport.Transport;
import dev.metareward.cluster.aeron.AeronTransportSettings.Node;
import io.aeron.Aeron;
import io.aeron.Image;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.DriverTimeoutException;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane of a multi-node run over Aeron (docs/DATA-PLANE.md): phi broadcasts from the coordinator's node to
 * every node over dynamic multi-destination cast, contributions from every node over unicast UDP to the
 * coordinator-role node whose phi arrived last (the live coordinator, wherever the singleton runs), and
 * {@code aeron:ipc} when everything is in one JVM.
 *
 * <p>Frames are signed ({@link FrameMac}: HMAC-SHA256 over the header and an NH digest of the body, keyed by the run
 * secret) and checksummed (CRC32C); vectors larger than one fragment are split and reassembled. Receiving runs on
 * one Agrona agent thread that sleeps when idle; it verifies every frame and delivers only verified ones, counting
 * the rest in {@link #stats()}. Publishing runs on the caller's thread: one copy from the ND4J buffer into the Aeron
 * term, every offer result handled with a bounded retry and mapped to a
 * {@link PublishResult}.
 *
 * <p>Thread-safe. {@link #close()} closes the agent, the Aeron client and the embedded media driver (and deletes its
 * directory).
 */
public final class AeronTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(AeronTransport.class);
    /** Fragments read per poll of one subscription. */
    static final int FRAGMENT_LIMIT = 256;
    /** How often unfinished reassemblies are checked against the timeout. */
    static final long SWEEP_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final AeronTransportSettings settings;
    private final DataPlaneStats stats = new DataPlaneStats();
    private final Object lock = new Object();
    private final List<Consumer<PhiFrame>> phiSubscribers = new CopyOnWriteArrayList<>();
    private final Queue<Runnable> imageEvents = new ConcurrentLinkedQueue<>();
    private final byte dtype;
    private MediaDriver driver;
    private Aeron aeron;
    /** One per coordinator-role node, in settings order (one ipc publication in one JVM). */
    private final List<FramePublisher> contributionPublishers = new ArrayList<>();
    /** Index of the coordinator-role node whose phi broadcast arrived last (the live coordinator), or -1. */
    private volatile int liveCoordinator = -1;
    private FramePublisher phiPublisher;
    private io.aeron.Subscription contributionSubscription;
    private FrameReceiver contributionReceiver;
    private final List<io.aeron.Subscription> phiSubscriptions = new ArrayList<>();
    private final List<FrameReceiver> phiReceivers = new ArrayList<>();
    private AgentRunner agentRunner;
    private final ContributionSubscriber contributions = new ContributionSubscriber();
    private PhiFrame newestPhi;
    private volatile boolean closed;
    private String aeronDirectoryName;

    private AeronTransport(AeronTransportSettings settings) {
        this.settings = settings;
        this.dtype = settings.phiDataType() == DataType.DOUBLE ? DTYPE_FLOAT64 : DTYPE_FLOAT32;
    }

    /**
     * Checks the driver directory, starts (or connects to) the media driver, opens the publications and
     * subscriptions of this node and starts the receiving agent.
     *
     * @throws MediaDriverDirectoryException when the driver directory is missing and cannot be created, is not
     *                                       writable, or has less free space than the term buffers need
     * @throws IllegalStateException when an external driver does not answer, or on a big-endian platform
     */
    public static AeronTransport start(AeronTransportSettings settings) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("the data plane sends ND4J buffers as they are in memory and needs a "
                    + "little-endian platform");
        }
        AeronTransport transport = new AeronTransport(settings);
        try {
            transport.open();
            return transport;
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /** Publications and images (each a log of three terms) this node's driver holds. */
    static int logBuffers(AeronTransportSettings s) {
        if (s.ipc()) {
            return 2;
        }
        int publications = s.coordinatorNodes().size() + (s.hostsCoordinator() ? 1 : 0);
        int images = s.coordinatorNodes().size() + (s.hostsCoordinator() ? s.nodeCount() : 0);
        return publications + images;
    }

    private void open() {
        Path dir = settings.driverDirectory();
        int term = settings.aeron().termLength();
        int logs = logBuffers(settings);
        long needed = DriverDirectory.bytesNeeded(term, logs);
        String what = "3 x term-length " + term + " x " + logs + " logs (" + (settings.ipc() ? "2 ipc publications"
                : "publications and images of this node") + ") + " + DriverDirectory.DRIVER_OVERHEAD_BYTES
                + " for the driver";
        DriverDirectory.check(dir, needed, what, settings.aeron().externalDriver());
        aeronDirectoryName = dir.toString();
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Nd4j.createUninitialized(settings.phiDataType(), 1); // load ND4J before the first frame arrives
        }
        if (!settings.aeron().externalDriver()) {
            driver = MediaDriver.launch(driverContext(dir.toString(), settings.aeron().termLength(),
                    settings.aeron().mtu()));
        }
        try {
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.toString())
                    .errorHandler(t -> LOG.warn("data plane (Aeron client): {}", t.toString())));
        } catch (DriverTimeoutException e) {
            throw new IllegalStateException("no media driver answers at " + dir.toAbsolutePath() + " (aeron.dir): "
                    + e.getMessage(), e);
        }
        Node local = settings.localNode();
        long timeoutNs = settings.reassemblyTimeout().toNanos();
        FrameReceiver.Sink contributionSink = new FrameReceiver.Sink() {
            @Override
            public boolean accepting() {
                return contributions.current() != null;
            }

            @Override
            public boolean deliver(Object frame) {
                ContributionHandler handler = contributions.current();
                return handler != null && handler.offer((ContributionFrame) frame);
            }
        };
        if (settings.ipc()) {
            String channel = DataPlaneChannels.ipc(settings.aeron());
            contributionPublishers.add(publisher(channel, CONTRIBUTION_STREAM_ID));
            phiPublisher = publisher(channel, PHI_STREAM_ID);
            contributionReceiver = receiver(TYPE_CONTRIBUTION, contributionSink, timeoutNs);
            contributionSubscription = subscribe(channel, CONTRIBUTION_STREAM_ID, contributionReceiver);
            FrameReceiver phi = receiver(TYPE_PHI, phiSink(0), timeoutNs);
            phiReceivers.add(phi);
            phiSubscriptions.add(subscribe(channel, PHI_STREAM_ID, phi));
        } else {
            for (Node coordinator : settings.coordinatorNodes()) {
                contributionPublishers.add(publisher(DataPlaneChannels.contributionPublication(coordinator,
                        settings.aeron()), CONTRIBUTION_STREAM_ID));
            }
            if (settings.hostsCoordinator()) {
                phiPublisher = publisher(DataPlaneChannels.phiPublication(local, settings.aeron()), PHI_STREAM_ID);
                contributionReceiver = receiver(TYPE_CONTRIBUTION, contributionSink, timeoutNs);
                contributionSubscription = subscribe(DataPlaneChannels.contributionSubscription(local),
                        CONTRIBUTION_STREAM_ID, contributionReceiver);
            }
            for (int i = 0; i < settings.coordinatorNodes().size(); i++) {
                Node coordinator = settings.coordinatorNodes().get(i);
                FrameReceiver phi = receiver(TYPE_PHI, phiSink(i), timeoutNs);
                phiReceivers.add(phi);
                phiSubscriptions.add(subscribe(DataPlaneChannels.phiSubscription(local, coordinator), PHI_STREAM_ID,
                        phi));
            }
        }
        IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 1_000_000);
        agentRunner = new AgentRunner(idle, t -> LOG.error("data plane agent of node {}: {}", local.name(),
                t.toString(), t), null, new ReceiveAgent());
        AgentRunner.startOnThread(agentRunner);
        LOG.debug("data plane of node {} up: driver dir {}, {} logs of term {}", local.name(), dir, logs, term);
    }

    /**
     * Receiver window and socket buffers of the embedded driver (Aeron's defaults: 128 KiB, about four tiny phi
     * frames in flight). Linux caps the socket buffers at net.core.rmem_max / wmem_max (Aeron warns when lower).
     */
    static final int RECEIVER_WINDOW_BYTES = 2 * 1024 * 1024;

    /** The embedded driver's settings: one shared thread that sleeps up to 1 ms when idle (2-core boxes). */
    static MediaDriver.Context driverContext(String dir, int termLength, int mtu) {
        return new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .warnIfDirectoryExists(false)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(1, 10, 1_000, 1_000_000))
                .publicationTermBufferLength(termLength)
                .ipcTermBufferLength(termLength)
                .mtuLength(mtu)
                .ipcMtuLength(mtu)
                .termBufferSparseFile(true)
                .initialWindowLength(Math.min(RECEIVER_WINDOW_BYTES, termLength / 2))
                .socketRcvbufLength(RECEIVER_WINDOW_BYTES)
                .socketSndbufLength(RECEIVER_WINDOW_BYTES)
                .errorHandler(t -> LOG.warn("data plane (media driver): {}", t.toString()));
    }

    private FramePublisher publisher(String channel, int stream) {
        return new FramePublisher(aeron, channel, stream, new FrameEncoder(settings.secret(),
                settings.runId()), stats, settings.maxFragmentBytes(), settings.aeron().termLength());
    }

    /** Phi from coordinator-role node {@code index}: delivered, and contributions are routed to that node from now. */
    private FrameReceiver.Sink phiSink(int index) {
        return new FrameReceiver.Sink() {
            @Override
            public boolean accepting() {
                return true;
            }

            @Override
            public boolean deliver(Object frame) {
                liveCoordinator = index;
                onPhi((PhiFrame) frame);
                return true;
            }
        };
    }

    private FrameReceiver receiver(byte type, FrameReceiver.Sink sink, long timeoutNs) {
        return new FrameReceiver(type, settings.phiLength(), settings.phiDataType(), settings.runId(),
                settings.secret(), stats, sink, timeoutNs);
    }

    private io.aeron.Subscription subscribe(String channel, int stream, FrameReceiver receiver) {
        return aeron.addSubscription(channel, stream, image -> { },
                (Image image) -> imageEvents.add(() -> receiver.onImageLost(image.sessionId())));
    }

    /** Counters of this transport (frames, bytes, back-pressure, reassembly failures, drops by reason). */
    public DataPlaneStats stats() {
        return stats;
    }

    /** The settings this transport was started with. */
    public AeronTransportSettings settings() {
        return settings;
    }

    /** The media driver directory in use (an Aeron client may connect to it, e.g. in tests). */
    public String aeronDirectoryName() {
        return aeronDirectoryName;
    }

    /** Body bytes per fragment on the contribution publication: larger vectors are split into fragments. */
    public int fragmentBodyBytes() {
        return contributionPublishers.get(0).fragmentBodyBytes();
    }

    /**
     * True when the contribution publication reaches at least one coordinator-role node (and, on a node that can
     * host the coordinator, the phi publication at least one subscriber).
     */
    public boolean isConnected() {
        return contributionPublishers.stream().anyMatch(FramePublisher::isConnected)
                && (phiPublisher == null || phiPublisher.isConnected());
    }

    /**
     * True when this node's subscription to the phi broadcasts of coordinator-role node {@code nodeName} is joined
     * (has an image): a broadcast published from now on arrives here. An Aeron subscriber joins at the stream's
     * current position, so broadcasts published before this holds do not arrive. In one JVM ({@code ipc}) any name
     * asks about the one phi stream.
     */
    public boolean receivesPhiFrom(String nodeName) {
        if (settings.ipc()) {
            return phiSubscriptions.get(0).imageCount() > 0;
        }
        for (int i = 0; i < settings.coordinatorNodes().size(); i++) {
            if (settings.coordinatorNodes().get(i).name().equals(nodeName)) {
                return phiSubscriptions.get(i).imageCount() > 0;
            }
        }
        throw new IllegalArgumentException("\"" + nodeName + "\" is not among the coordinator-role nodes "
                + settings.coordinatorNodes().stream().map(Node::name).toList());
    }

    /**
     * The coordinator-role node contributions go to: the one whose phi broadcast this node received last (the live
     * coordinator), or empty before any phi arrived (then contributions go to every connected coordinator-role node).
     */
    public java.util.Optional<String> contributionTarget() {
        int live = liveCoordinator;
        if (live < 0 || settings.ipc()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(settings.coordinatorNodes().get(live).name());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the frame's run id, length or dtype differ from this transport's
     */
    @Override
    public PublishResult publishContribution(ContributionFrame frame) {
        if (closed) {
            return PublishResult.CLOSED;
        }
        requireShape(frame.runId(), frame.vector(), "contribution");
        byte[] position = frame.dataPosition() == null ? new byte[0] : frame.dataPosition();
        try {
            int live = settings.ipc() ? 0 : liveCoordinator;
            if (live >= 0) {
                return publishContribution(contributionPublishers.get(live), frame, position);
            }
            // No phi yet, so the live coordinator is unknown: every connected coordinator-role node gets the frame.
            boolean accepted = false;
            PublishResult refused = PublishResult.NOT_CONNECTED;
            for (FramePublisher publisher : contributionPublishers) {
                if (!publisher.isConnected()) {
                    continue;
                }
                PublishResult result = publishContribution(publisher, frame, position);
                switch (result) {
                    case ACCEPTED -> accepted = true;
                    case CLOSED -> {
                        return PublishResult.CLOSED;
                    }
                    case BACK_PRESSURED, NOT_CONNECTED -> refused = refused == PublishResult.BACK_PRESSURED
                            ? refused : result;
                }
            }
            if (!accepted && refused == PublishResult.NOT_CONNECTED) {
                stats.onNotConnected();
            }
            return accepted ? PublishResult.ACCEPTED : refused;
        } finally {
            Reference.reachabilityFence(frame);
        }
    }

    private PublishResult publishContribution(FramePublisher publisher, ContributionFrame frame, byte[] position) {
        return publisher.publish(TYPE_CONTRIBUTION, dtype, frame.vector().length(), frame.phiVersion(),
                frame.sequence(), frame.checksum(), frame.outerLoss(), frame.pairs(), frame.domain(), position,
                Set.of(), frame.vector());
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when this node does not host coordinator-capable subscriptions, or a coordinator
     *                               is already subscribed
     */
    @Override
    public Subscription subscribeContributions(ContributionHandler handler) {
        if (contributionReceiver == null) {
            throw new IllegalStateException("node " + settings.localNode().name() + " does not hold the coordinator "
                    + "role, so it receives no contributions; start the coordinator on a coordinator-role node");
        }
        return contributions.subscribe(handler);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when this node cannot host the coordinator
     * @throws IllegalArgumentException when the frame's run id, length or dtype differ from this transport's
     */
    @Override
    public PublishResult publishPhi(PhiFrame frame) {
        if (closed) {
            return PublishResult.CLOSED;
        }
        if (phiPublisher == null) {
            throw new IllegalStateException("node " + settings.localNode().name() + " does not hold the coordinator "
                    + "role and cannot broadcast phi");
        }
        requireShape(frame.runId(), frame.vector(), "phi");
        try {
            return phiPublisher.publish(TYPE_PHI, dtype, frame.vector().length(), frame.version(), frame.sequence(),
                    frame.checksum(), 0.0, 0, "", null, frame.awaitedDomains(), frame.vector());
        } finally {
            Reference.reachabilityFence(frame);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The newest broadcast this node received before the call (from any coordinator-role node) is delivered
     * first, on the caller's thread; later ones on the transport's thread.
     */
    @Override
    public Subscription subscribePhi(Consumer<PhiFrame> handler) {
        synchronized (lock) {
            if (closed) {
                return () -> { };
            }
            phiSubscribers.add(handler);
            if (newestPhi != null) {
                handler.accept(newestPhi);
            }
        }
        return () -> phiSubscribers.remove(handler);
    }

    private void onPhi(PhiFrame frame) {
        synchronized (lock) {
            newestPhi = frame;
            for (Consumer<PhiFrame> subscriber : phiSubscribers) {
                try {
                    subscriber.accept(frame);
                } catch (RuntimeException e) {
                    LOG.error("a phi subscriber failed on {}: {}", frame, e.toString(), e);
                }
            }
        }
    }

    private void requireShape(String runId, INDArray vector, String what) {
        if (!settings.runId().equals(runId)) {
            throw new IllegalArgumentException("this " + what + " frame belongs to run \"" + runId + "\" but the "
                    + "transport to run \"" + settings.runId() + "\"");
        }
        if (vector.length() != settings.phiLength() || vector.dataType() != settings.phiDataType()) {
            throw new IllegalArgumentException("this " + what + " frame holds " + vector.length() + " "
                    + vector.dataType() + " elements; the transport carries phi's " + settings.phiLength() + " "
                    + settings.phiDataType());
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed && aeron == null && driver == null) {
                return;
            }
            closed = true;
            contributions.clear();
            phiSubscribers.clear();
        }
        CloseHelper.quietClose(agentRunner);
        contributionPublishers.forEach(CloseHelper::quietClose);
        CloseHelper.quietCloseAll(phiPublisher, aeron, driver);
        agentRunner = null;
        aeron = null;
        driver = null;
    }

    /** Reads every subscription of this node; runs on the agent thread. */
    private final class ReceiveAgent implements Agent {
        private long nextSweep = System.nanoTime() + SWEEP_INTERVAL_NS;

        @Override
        public int doWork() {
            int work = 0;
            Runnable event;
            while ((event = imageEvents.poll()) != null) {
                event.run();
                work++;
            }
            if (contributionSubscription != null) {
                if (contributionReceiver.hasPending() && contributionReceiver.retryPending()) {
                    work++;
                }
                if (!contributionReceiver.hasPending()) {
                    work += contributionSubscription.controlledPoll(contributionReceiver, FRAGMENT_LIMIT);
                }
            }
            for (int i = 0; i < phiSubscriptions.size(); i++) {
                work += phiSubscriptions.get(i).controlledPoll(phiReceivers.get(i), FRAGMENT_LIMIT);
            }
            long now = System.nanoTime();
            if (now - nextSweep >= 0) {
                nextSweep = now + SWEEP_INTERVAL_NS;
                if (contributionReceiver != null) {
                    work += contributionReceiver.sweep(now);
                }
                for (FrameReceiver phi : phiReceivers) {
                    work += phi.sweep(now);
                }
            }
            return work;
        }

        @Override
        public String roleName() {
            return "metareward-data-plane-" + settings.localNode().name();
        }
    }
}
