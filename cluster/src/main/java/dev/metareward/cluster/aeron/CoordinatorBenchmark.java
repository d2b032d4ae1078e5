package dev.metareward.cluster.aeron;

import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.checkpoint.RotatingCheckpointStore;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.actors.coordinator.ContributionValidator;
import dev.metareward.actors.coordinator.CoordinatorListener;
import dev.metareward.actors.coordinator.CoordinatorSettings;
import dev.metareward.actors.coordinator.CoordinatorStart;
import dev.metareward.actors.coordinator.RewardCoordinator;
import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.cluster.aeron.AeronTransportSettings.Node;
import dev.metareward.config.AeronSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.metrics.RejectReason;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How fast one real {@link RewardCoordinator} turns contributions into updates of phi: N simulated domain workers
 * (no model compute) on one node send valid contributions of phi's real size over Aeron UDP loopback to the
 * coordinator's node, each domain one contribution for the newest phi version it has received (after an optional
 * simulated compute time), as fast as the protocol allows: back-pressure, staleness bound and all. The coordinator is
 * the production actor with the run's aggregation policy, validator, outer optimizer, checkpoints and phi
 * broadcasts; only its INFO line per update is muted (logging is not what is measured).
 *
 * <p>Measured per N: applied updates/s, the staleness of applied updates and how many contributions were rejected,
 * contribution-to-applied latency (from the worker's accepted publish to the coordinator's update event; both
 * clocks are this JVM's), and the CPU time per update of the coordinator's thread and of the coordinator node's
 * receiving thread. {@link #costs} times the coordinator's per-update steps one by one on phi's size, so a
 * saturated run can be explained.
 */
public final class CoordinatorBenchmark {

    private static final String RUN_ID = "bench-coordinator";
    private static final String COORDINATOR_NODE = "bench-coord";
    /** The actor system, the coordinator and the first broadcast start within this on a loaded machine. */
    private static final long FIRST_UPDATE_TIMEOUT_NS = 60_000_000_000L;

    private CoordinatorBenchmark() {
    }

    /**
     * @param phiLength elements of phi (FLOAT)
     * @param seconds measured time per N, after the warm-up
     * @param warmupSeconds time per N between the first applied update and the measured window (JIT)
     * @param computeMillis simulated compute time of a domain between two contributions (0: none)
     * @param config gives training (mode, staleness bound, checkpoint-every), outer (optimizer) and pekko settings
     * @param termLength Aeron term length
     * @param mtu Aeron MTU
     * @param basePort first of the UDP ports (four per N)
     */
    public record Options(long phiLength, double seconds, double warmupSeconds, double computeMillis,
                          MetarewardConfig config, int termLength, int mtu, int basePort) {
    }

    /**
     * The coordinator's steps for one update, each timed alone on phi's size (CPU microseconds of the calling thread per call).
     *
     * @param validateMicros {@link ContributionValidator#validate}: checksum and finite check of the vector (also
     *                       paid by every rejected stale contribution: those checks come before staleness)
     * @param optimizerMicros one {@link OuterOptimizer#step}
     * @param snapshotMicros the broadcast's phi copy and its checksum ({@link PhiFrame#of})
     * @param checkpointMicros one checkpoint write (paid every training.checkpoint-every updates)
     * @param checkpointWallMicros the same in wall time, median of 5: the write is fsynced, and the coordinator's
     *                             thread waits for the disk that long
     * @param checkpointEvery training.checkpoint-every
     * @param macMicros the frame MAC over one vector (the sender's encode and the receiver's verify each)
     * @param crcMicros CRC32C over one vector (the receiver's check)
     */
    public record Costs(double validateMicros, double optimizerMicros, double snapshotMicros, double checkpointMicros,
                        double checkpointWallMicros, int checkpointEvery, double macMicros, double crcMicros) {

        /** Coordinator-thread time of one applied update without the publish itself. */
        public double perUpdateMicros() {
            return validateMicros + optimizerMicros + snapshotMicros + checkpointMicros / checkpointEvery;
        }
    }

    /**
     * One N.
     *
     * @param domains N
     * @param seconds the measured window
     * @param sent contributions published (accepted by the data plane) in the window
     * @param inFlightAtStart contributions published before the window and not yet applied or rejected at its start
                              (they may be applied in it: applied + rejected &lt;= sent + inFlightAtStart)
     * @param backPressured publish attempts refused by back-pressure in the window
     * @param applied updates applied in the window
     * @param rejected contributions rejected in the window, by reason
     * @param staleness applied updates by staleness (index = staleness)
     * @param latencyMillis contribution-to-applied latencies of the applied contributions sent in the window,
     *                      sorted
     * @param publishPhiMicros median time of the coordinator's {@code publishPhi} (MAC, encode, copy into the term)
     * @param coordinatorCpuMicrosPerUpdate CPU time of the coordinator's thread per applied update
     * @param receiverCpuMicrosPerContribution CPU time of the coordinator node's receiving thread per contribution
     *                                          received (applied or rejected)
     */
    public record Result(int domains, double seconds, long sent, long inFlightAtStart, long backPressured,
                         long applied,
                         Map<RejectReason, Long> rejected, long[] staleness, double[] latencyMillis,
                         double publishPhiMicros, double coordinatorCpuMicrosPerUpdate,
                         double receiverCpuMicrosPerContribution) {

        public double appliedPerSecond() {
            return applied / seconds;
        }

        public double sentPerSecond() {
            return sent / seconds;
        }

        public long rejectedTotal() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The q-quantile (0..1) of the latencies in ms, NaN when none was measured. */
        public double latencyQuantile(double q) {
            if (latencyMillis.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(latencyMillis.length - 1, Math.ceil(q * latencyMillis.length) - 1);
            return latencyMillis[Math.max(0, index)];
        }

        /** Share of one core the coordinator thread was busy. */
        public double coordinatorBusy() {
            return appliedPerSecond() * coordinatorCpuMicrosPerUpdate / 1e6;
        }

        /** Share of one core the coordinator node's receiving thread was busy. */
        public double receiverBusy() {
            return (applied + rejectedTotal()) / seconds * receiverCpuMicrosPerContribution / 1e6;
        }
    }

    /** Times the coordinator's per-update steps on phi of {@code phiLength} for about {@code seconds} each. */
    public static Costs costs(long phiLength, MetarewardConfig config, double seconds) {
        INDArray phi = TransportBenchmark.vector(phiLength).muli(0.01);
        INDArray gradient = TransportBenchmark.vector(phiLength).muli(1e-3);
        AggregationPolicy policy = AggregationPolicy.from(config.training());
        ContributionValidator validator = new ContributionValidator(RUN_ID, List.of("d0"), policy);
        ContributionFrame frame = new ContributionFrame(RUN_ID, "d0", 0, 1, 0.5, 16, gradient,
                VectorChecksum.of(gradient), new byte[16]);
        ContributionValidator.View view = new ContributionValidator.View(false, 0, phiLength, DataType.FLOAT,
                Map.of(), Set.of());
        double validate = cpuMicros(seconds, () -> {
            if (validator.validate(frame, view).isPresent()) {
                throw new IllegalStateException("the bench contribution is not valid");
            }
        });
        OuterOptimizer optimizer = OuterOptimizer.create(config.outer(), phiLength);
        double step = cpuMicros(seconds, () -> optimizer.step(phi, gradient, 1.0));
        double snapshot = cpuMicros(seconds, () -> {
            try (INDArray copy = phi.dup()) {
                PhiFrame.of(RUN_ID, 1, 1, Set.of(), copy);
            }
        });
        Path dir;
        try {
            dir = Files.createTempDirectory("metareward-bench-checkpoints");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary checkpoint folder: " + e.getMessage(), e);
        }
        RotatingCheckpointStore store = new RotatingCheckpointStore(dir, config.training().keepCheckpoints());
        long[] version = {0};
        Map<String, DomainResume> domains = Map.of("d0", new DomainResume(new byte[16], 1));
        Runnable save = () -> {
            try {
                store.save(new RunState(RUN_ID, ++version[0], phi, optimizer.state(), domains));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        double checkpoint = cpuMicros(Math.min(seconds, 0.5), save);
        double[] wall = new double[5];
        for (int i = 0; i < wall.length; i++) {
            long t = System.nanoTime();
            save.run();
            wall[i] = (System.nanoTime() - t) / 1e3;
        }
        Arrays.sort(wall);
        deleteQuietly(dir);
        int bytes = (int) (phiLength * Float.BYTES);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
        // C2 compiles the SIMD NH only after ~1 s of calls: warm up at least that long.
        double mac = cpuMicros(Math.max(seconds, 1.0), TransportBenchmark.frameMac(buffer, bytes));
        CRC32C crc = new CRC32C();
        double crcMicros = cpuMicros(seconds, () -> {
            crc.update(buffer.clear());
        });
        return new Costs(validate, step, snapshot, checkpoint, wall[wall.length / 2],
                config.training().checkpointEvery(), mac, crcMicros);
    }

    /** Runs the coordinator against {@code domains} simulated domains; {@code progress} gets a line per phase. */
    public static Result run(int domains, Options o, RunSecret secret, Consumer<String> progress)
            throws InterruptedException {
        Node coordinatorNode = new Node(COORDINATOR_NODE, "127.0.0.1", o.basePort());
        Node domainsNode = new Node("bench-domains", "127.0.0.1", o.basePort() + 2);
        Path checkpoints;
        try {
            checkpoints = Files.createTempDirectory("metareward-bench-coordinator");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary checkpoint folder: " + e.getMessage(), e);
        }
        AeronTransport coordinatorTransport = null;
        AeronTransport domainsTransport = null;
        ActorSystem<Void> system = null;
        SimulatedDomains simulated = null;
        try {
            coordinatorTransport = AeronTransport.start(settings(secret, coordinatorNode, coordinatorNode, o));
            domainsTransport = AeronTransport.start(settings(secret, domainsNode, coordinatorNode, o));
            AeronTransport c = coordinatorTransport;
            AeronTransport d = domainsTransport;
            TransportBenchmark.waitFor(() -> c.isConnected() && d.isConnected()
                    && d.receivesPhiFrom(COORDINATOR_NODE), "the data plane of the bench to connect");
            List<String> names = IntStream.range(0, domains).mapToObj(i -> "d" + i).toList();
            INDArray gradient = TransportBenchmark.vector(o.phiLength()).muli(1e-3);
            simulated = new SimulatedDomains(domainsTransport, names, gradient,
                    (long) (o.computeMillis() * 1e6));
            domainsTransport.subscribePhi(simulated::onPhi);
            BenchListener listener = new BenchListener(names, simulated, o.config().training().stalenessBound());
            TimedPhiTransport timed = new TimedPhiTransport(coordinatorTransport);
            CoordinatorSettings settings = new CoordinatorSettings(RUN_ID, names, o.config().training(),
                    o.config().timeouts(), Long.MAX_VALUE);
            CoordinatorStart start = CoordinatorStart.fresh(RUN_ID, TransportBenchmark.vector(o.phiLength())
                    .muli(0.01), o.config().outer());
            RotatingCheckpointStore store = new RotatingCheckpointStore(checkpoints,
                    o.config().training().keepCheckpoints());
            ch.qos.logback.classic.Logger coordinatorLog = (ch.qos.logback.classic.Logger)
                    org.slf4j.LoggerFactory.getLogger(RewardCoordinator.class);
            coordinatorLog.setLevel(ch.qos.logback.classic.Level.WARN);
            system = ActorSystem.create(Behaviors.setup(context -> {
                ActorRef<RewardCoordinator.Event> events = context.spawn(Behaviors.receiveMessage(event -> {
                    if (event instanceof RewardCoordinator.Failed failed) {
                        progress.accept("the coordinator failed: " + failed.message());
                    }
                    return Behaviors.same();
                }), "events");
                context.spawn(RewardCoordinator.create(settings, start.initial(), start.optimizer(), timed, store,
                        listener, new TrainerMeters(new SimpleMeterRegistry()), events), "coordinator",
                        RewardCoordinator.dispatcher());
                return Behaviors.<Void>empty();
            }), "bench-coordinator-" + domains, o.config().resolved());
            simulated.start();
            long deadline = System.nanoTime() + FIRST_UPDATE_TIMEOUT_NS;
            while (listener.updatesSeen() == 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the coordinator applied no update within "
                            + FIRST_UPDATE_TIMEOUT_NS / 1_000_000_000 + " s of the start of " + domains
                            + " simulated domain(s) (" + simulated.sent() + " contributions sent)");
                }
                Thread.sleep(10);
            }
            progress.accept(domains + " domain(s): first update applied; warming up for " + o.warmupSeconds()
                    + " s");
            Thread.sleep((long) (o.warmupSeconds() * 1000));
            ThreadCpu coordinatorCpu = ThreadCpu.of(name -> name.contains("coordinator-dispatcher"));
            ThreadCpu receiverCpu = ThreadCpu.of(name -> name.equals("metareward-data-plane-" + COORDINATOR_NODE));
            Window before = new Window(System.nanoTime(), simulated.sent(), simulated.backPressured(),
                    coordinatorCpu.nanos(), receiverCpu.nanos());
            listener.measureFrom(before.nanos());
            long inFlight = simulated.inFlight();
            timed.reset();
            progress.accept(domains + " domain(s): measuring for " + o.seconds() + " s");
            Thread.sleep((long) (o.seconds() * 1000));
            long endNanos = System.nanoTime();
            listener.measureUntil(endNanos);
            Window after = new Window(endNanos, simulated.sent(), simulated.backPressured(), coordinatorCpu.nanos(),
                    receiverCpu.nanos());
            double seconds = (after.nanos() - before.nanos()) / 1e9;
            BenchListener.Counts counts = listener.counts();
            long received = counts.applied() + counts.rejected().values().stream().mapToLong(Long::longValue).sum();
            return new Result(domains, seconds, after.sent() - before.sent(), inFlight,
                    after.backPressured() - before.backPressured(), counts.applied(), counts.rejected(),
                    counts.staleness(), counts.latencies(), timed.medianMicros(),
                    (after.coordinatorCpu() - before.coordinatorCpu()) / 1e3 / Math.max(1, counts.applied()),
                    (after.receiverCpu() - before.receiverCpu()) / 1e3 / Math.max(1, received));
        } finally {
            if (simulated != null) {
                simulated.stop();
            }
            if (system != null) {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().join();
            }
            if (domainsTransport != null) {
                domainsTransport.close();
            }
            if (coordinatorTransport != null) {
                coordinatorTransport.close();
            }
            deleteQuietly(checkpoints);
        }
    }

    private record Window(long nanos, long sent, long backPressured, long coordinatorCpu, long receiverCpu) {
    }

    private static AeronTransportSettings settings(RunSecret secret, Node local, Node coordinator, Options o) {
        Path dir = AeronTransportSettings.defaultDriverParent().resolve("metareward-bench-coordinator-"
                + local.name() + "-" + ProcessHandle.current().pid());
        return AeronTransportSettings.udp(RUN_ID, secret, local, List.of(coordinator), local.equals(coordinator), 2,
                o.phiLength(), DataType.FLOAT, new AeronSettings(Optional.of(dir.toString()), false, o.termLength(),
                        o.mtu()));
    }

    /**
     * CPU microseconds of the calling thread per call of {@code op} over about {@code seconds} of calls, after as long
     * a warm-up. CPU time, not wall time: on a shared machine a thread waits for a core for longer than it computes;
     * the calling thread's only, so the JIT compiling in the background is not counted (phi-sized ND4J operations
     * run on the calling thread).
     */
    static double cpuMicros(double seconds, Runnable op) {
        long warm = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() - warm < 0) {
            op.run();
        }
        long cpu = ThreadCpu.current();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long calls = 0;
        while (System.nanoTime() - end < 0 || calls < 5) {
            op.run();
            calls++;
        }
        return (ThreadCpu.current() - cpu) / 1e3 / calls;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }

    /**
     * N domains on one node, no compute: each publishes a contribution for the newest phi version the node has
     * received, once per version (and no sooner than {@code computeNanos} after its previous one), from one sender
     * thread that retries on back-pressure.
     */
    static final class SimulatedDomains {
        private final Transport transport;
        private final List<String> names;
        private final INDArray gradient;
        private final long checksum;
        private final long computeNanos;
        private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong backPressured = new AtomicLong();
        private volatile long newestVersion = -1;
        private volatile boolean running;
        private Thread sender;

        SimulatedDomains(Transport transport, List<String> names, INDArray gradient, long computeNanos) {
            this.transport = transport;
            this.names = List.copyOf(names);
            this.gradient = gradient;
            this.checksum = VectorChecksum.of(gradient);
            this.computeNanos = computeNanos;
        }

        void onPhi(PhiFrame frame) {
            newestVersion = Math.max(newestVersion, frame.version());
            frame.vector().close(); // simulated workers do not compute with it: give the off-heap buffer back now
        }

        static long key(int domain, long sequence) {
            return ((long) domain << 40) | sequence;
        }

        /** When contribution {@code sequence} of {@code domain} was published, removed; empty when unknown. */
        Optional<Long> takeSentAt(int domain, long sequence) {
            return Optional.ofNullable(sentAt.remove(key(domain, sequence)));
        }

        long sent() {
            return sent.get();
        }

        /** Contributions published (or being published) and not yet applied or rejected. */
        long inFlight() {
            return sentAt.size();
        }

        long backPressured() {
            return backPressured.get();
        }

        void start() {
            running = true;
            sender = new Thread(this::sendLoop, "bench-simulated-domains");
            sender.setDaemon(true);
            sender.start();
        }

        void stop() throws InterruptedException {
            running = false;
            if (sender != null) {
                sender.join(TimeUnit.SECONDS.toMillis(10));
            }
        }

        private void sendLoop() {
            int n = names.size();
            long[] lastVersion = new long[n];
            long[] sequence = new long[n];
            long[] readyAt = new long[n];
            Arrays.fill(lastVersion, -1);
            byte[] position = new byte[16];
            IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 100_000);
            while (running) {
                long version = newestVersion;
                boolean progressed = false;
                for (int d = 0; d < n && running; d++) {
                    long now = System.nanoTime();
                    if (lastVersion[d] >= version || now - readyAt[d] < 0) {
                        continue;
                    }
                    long next = sequence[d] + 1;
                    sentAt.put(key(d, next), now); // before the publish: the update may come back first
                    PublishResult result = transport.publishContribution(new ContributionFrame(RUN_ID, names.get(d),
                            version, next, 0.5, 16, gradient, checksum, position));
                    if (result == PublishResult.ACCEPTED) {
                        sequence[d] = next;
                        lastVersion[d] = version;
                        readyAt[d] = now + computeNanos;
                        sent.incrementAndGet();
                        progressed = true;
                    } else {
                        sentAt.remove(key(d, next));
                        if (result == PublishResult.CLOSED) {
                            return;
                        }
                        backPressured.incrementAndGet();
                        break; // the coordinator is busy: let it drain before trying again
                    }
                }
                if (progressed) {
                    idle.reset();
                } else {
                    idle.idle();
                }
            }
        }
    }

    /** Counts updates and rejections and the latency of each applied contribution; called on the coordinator. */
    static final class BenchListener implements CoordinatorListener {
        private final Map<String, Integer> index = new HashMap<>();
        private final SimulatedDomains domains;
        private final long[] staleness;
        private final Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
        private double[] latencies = new double[1024];
        private int latencyCount;
        private long applied;
        private volatile long updatesSeen;
        private volatile long from = Long.MAX_VALUE;
        private volatile long until = Long.MAX_VALUE;

        record Counts(long applied, Map<RejectReason, Long> rejected, long[] staleness, double[] latencies) {
        }

        BenchListener(List<String> names, SimulatedDomains domains, int stalenessBound) {
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i), i);
            }
            this.domains = domains;
            this.staleness = new long[stalenessBound + 1];
        }

        long updatesSeen() {
            return updatesSeen;
        }

        void measureFrom(long nanos) {
            from = nanos;
        }

        void measureUntil(long nanos) {
            until = nanos;
        }

        @Override
        public synchronized void onUpdate(UpdateEvent event) {
            long now = System.nanoTime();
            updatesSeen++;
            boolean inWindow = now - from >= 0 && now - until < 0;
            for (ContributionSummary c : event.contributions()) {
                Optional<Long> sentAt = domains.takeSentAt(index.get(c.domain()), c.sequence());
                if (inWindow && sentAt.isPresent() && sentAt.get() - from >= 0) {
                    if (latencyCount == latencies.length) {
                        latencies = Arrays.copyOf(latencies, 2 * latencies.length);
                    }
                    latencies[latencyCount++] = (now - sentAt.get()) / 1e6;
                }
            }
            if (inWindow) {
                applied++;
                staleness[(int) Math.min(staleness.length - 1, event.maxStaleness())]++;
            }
        }

        @Override
        public synchronized void onRejected(RejectionEvent event) {
            Integer domain = index.get(event.domain());
            if (domain != null) {
                domains.takeSentAt(domain, event.sequence());
            }
            long now = System.nanoTime();
            if (now - from >= 0 && now - until < 0) {
                rejected.merge(event.reason(), 1L, Long::sum);
            }
        }

        synchronized Counts counts() {
            double[] sorted = Arrays.copyOf(latencies, latencyCount);
            Arrays.sort(sorted);
            return new Counts(applied, new EnumMap<>(rejected), staleness.clone(), sorted);
        }
    }

    /** The coordinator's transport, timing each phi broadcast (MAC, encode, copy into the term). */
    static final class TimedPhiTransport implements Transport {
        private final Transport delegate;
        private long[] times = new long[1024];
        private int count;

        TimedPhiTransport(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public PublishResult publishContribution(ContributionFrame frame) {
            return delegate.publishContribution(frame);
        }

        @Override
        public Subscription subscribeContributions(ContributionHandler handler) {
            return delegate.subscribeContributions(handler);
        }

        @Override
        public PublishResult publishPhi(PhiFrame frame) {
            long start = System.nanoTime();
            PublishResult result = delegate.publishPhi(frame);
            record(System.nanoTime() - start);
            return result;
        }

        private synchronized void record(long nanos) {
            if (count == times.length) {
                times = Arrays.copyOf(times, 2 * times.length);
            }
            times[count++] = nanos;
        }

        synchronized void reset() {
            count = 0;
        }

        synchronized double medianMicros() {
            if (count == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(times, count);
            Arrays.sort(sorted);
            return sorted[count / 2] / 1e3;
        }

        @Override
        public Subscription subscribePhi(Consumer<PhiFrame> handler) {
            return delegate.subscribePhi(handler);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** CPU time of the live threads whose name matches, summed. */
    private record ThreadCpu(long[] ids) {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        static ThreadCpu of(Predicate<String> name) {
            return new ThreadCpu(Thread.getAllStackTraces().keySet().stream().filter(t -> name.test(t.getName()))
                    .mapToLong(Thread::getId).toArray());
        }

        /** CPU time of the calling thread. */
        static long current() {
            return THREADS.getCurrentThreadCpuTime();
        }

        long nanos() {
            long sum = 0;
            for (long id : ids) {
                sum += Math.max(0, THREADS.getThreadCpuTime(id));
            }
            return sum;
        }
    }
}
