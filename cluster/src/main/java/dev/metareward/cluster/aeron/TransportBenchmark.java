package dev.metareward.cluster.aeron;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.cluster.aeron.AeronTransportSettings.Node;
import dev.metareward.config.AeronSettings;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Throughput of the data plane over UDP loopback, next to raw Aeron in the same run: two nodes in this JVM, each with
 * its own embedded media driver; a worker publishes contributions as fast as the coordinator takes them. "Raw" sends
 * the same bytes in messages of the same size on a plain publication to a plain subscription between the same two
 * drivers, with no framing, signing, checksum or copy out of the term.
 */
public final class TransportBenchmark {

    /** 4 MiB frames: 1 Mi float32 elements. */
    public static final long FOUR_MIB_ELEMENTS = 1L << 20;

    private TransportBenchmark() {
    }

    /**
     * One vector size to measure.
     *
     * @param name label in the table
     * @param elements float32 elements per frame
     */
    public record Case(String name, long elements) {
        /** Bytes of the vector. */
        public long bytes() {
            return elements * Float.BYTES;
        }
    }

    /**
     * How to measure.
     *
     * @param seconds length of each timed run
     * @param repeats timed runs per case and side (ours, raw), alternating; the median is reported
     * @param termLength term length of both drivers' publications
     * @param mtu UDP datagram size
     * @param basePort first of five UDP ports used on 127.0.0.1
     */
    public record Options(double seconds, int repeats, int termLength, int mtu, int basePort) {
    }

    /**
     * Throughput of one side.
     *
     * @param framesPerSecond whole vectors per second (median run)
     * @param megabytesPerSecond vector bytes per second / 1e6 (median run)
     * @param cpuMicrosPerFrame CPU time of the whole process (sender, receiver, both media drivers) per vector, in
     *                          microseconds (median run): less sensitive to other load on the machine than the rates
     */
    public record Throughput(double framesPerSecond, double megabytesPerSecond, double cpuMicrosPerFrame) {
    }

    /**
     * One case's figures.
     *
     * @param c the case
     * @param fragmentsPerFrame data-plane fragments (Aeron messages) per vector
     * @param ours our framing (signed, checksummed, copied into a new INDArray)
     * @param raw a plain Aeron publication and subscription moving the same bytes
     */
    public record Result(Case c, int fragmentsPerFrame, Throughput ours, Throughput raw) {
        /** ours / raw in bytes per second. */
        public double ratio() {
            return ours.megabytesPerSecond() / raw.megabytesPerSecond();
        }
    }

    /**
     * Single-thread speed of the per-byte work our framing adds, measured in the same run: the frame MAC
     * ({@link FrameMac}: NH + HMAC-SHA256, once by the sender and once by the receiver), CRC32C (receiver), and for
     * comparison HMAC-SHA256 over the whole body (the MAC of format version 1), over a direct buffer of
     * {@code bytes}.
     *
     * @param macMegabytesPerSecond frame MAC MB/s
     * @param macName the MAC's construction, with the NH implementation in use (SIMD or scalar)
     * @param hmacMegabytesPerSecond HMAC-SHA256 MB/s
     * @param crcMegabytesPerSecond CRC32C MB/s
     */
    public record PerByteCosts(double macMegabytesPerSecond, String macName, double hmacMegabytesPerSecond,
                               double crcMegabytesPerSecond) {
    }

    /** Measures {@link PerByteCosts} over {@code bytes} for about {@code seconds} each. */
    public static PerByteCosts perByteCosts(int bytes, double seconds) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
        NhHash nh = NhHash.create(FrameMac.Keys.derive(RunSecret.of(new byte[32])).nhKey());
        // C2 compiles the SIMD NH only after ~1 s of calls (until then it runs the slow fallback): warm up longer.
        double macRate = rate(bytes, seconds, Math.max(seconds, 2.0), frameMac(buffer, bytes));
        javax.crypto.Mac mac = FrameMac.hmac(new byte[32]);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        double hmac = rate(bytes, seconds, () -> {
            buffer.clear();
            mac.update(buffer);
            mac.doFinal();
        });
        double crcRate = rate(bytes, seconds, () -> {
            buffer.clear();
            crc.update(buffer);
        });
        String name = FrameMac.NAME + (nh instanceof NhHash.Scalar ? " (scalar NH)" : " (SIMD NH)");
        return new PerByteCosts(macRate, name, hmac, crcRate);
    }

    /** The frame MAC (as sender and receiver compute it) over the first {@code bytes} of {@code buffer}. */
    static Runnable frameMac(ByteBuffer buffer, int bytes) {
        FrameMac.Keys keys = FrameMac.Keys.derive(RunSecret.of(new byte[32]));
        FrameMac frameMac = new FrameMac(keys, NhHash.create(keys.nhKey()));
        byte[] header = new byte[FrameHeaderFlyweight.FIXED_LENGTH + 16];
        return () -> {
            frameMac.begin(header, header.length);
            frameMac.finish(buffer, 0, bytes, header, FrameHeaderFlyweight.MAC_OFFSET);
        };
    }

    private static double rate(int bytes, double seconds, Runnable op) {
        return rate(bytes, seconds, seconds, op);
    }

    private static double rate(int bytes, double seconds, double warmupSeconds, Runnable op) {
        long warm = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() - warm < 0) {
            op.run(); // until the JIT compiles the SHA-256 / CRC32C intrinsics in
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() - end < 0) {
            op.run();
            n++;
        }
        return n * (double) bytes / ((System.nanoTime() - start) / 1e3);
    }

    /** Measures every case; {@code progress} gets one line per timed run. */
    public static List<Result> run(List<Case> cases, Options options, java.util.function.Consumer<String> progress) {
        byte[] secretBytes = new byte[32];
        new SecureRandom().nextBytes(secretBytes);
        RunSecret secret = RunSecret.of(secretBytes);
        List<Result> results = new ArrayList<>();
        for (Case c : cases) {
            results.add(runCase(c, options, secret, progress));
        }
        return results;
    }

    private static Result runCase(Case c, Options o, RunSecret secret, java.util.function.Consumer<String> progress) {
        String runId = "bench-transport";
        Node coordinatorNode = new Node("bench-coordinator", "127.0.0.1", o.basePort());
        Node workerNode = new Node("bench-worker", "127.0.0.1", o.basePort() + 2);
        AeronTransport coordinator = null;
        AeronTransport worker = null;
        Aeron rawSender = null;
        Aeron rawReceiver = null;
        AgentRunner rawAgent = null;
        try {
            coordinator = AeronTransport.start(settings(runId, secret, coordinatorNode, coordinatorNode, c, o));
            worker = AeronTransport.start(settings(runId, secret, workerNode, coordinatorNode, c, o));
            AtomicLong received = new AtomicLong();
            coordinator.subscribeContributions(frame -> {
                received.incrementAndGet();
                frame.vector().close(); // give the off-heap buffer back at once, not at the next GC
                return true;
            });
            INDArray vector = vector(c.elements());
            ContributionFrame frame = new ContributionFrame(runId, "bench", 0, 0, 0.5, 16, vector,
                    VectorChecksum.of(vector), new byte[16]);
            int chunk = worker.fragmentBodyBytes();
            int fragments = (int) Math.max(1, (c.bytes() + chunk - 1) / chunk);

            String rawChannel = "aeron:udp?endpoint=127.0.0.1:" + (o.basePort() + 4) + "|term-length="
                    + o.termLength() + "|mtu=" + o.mtu();
            rawSender = Aeron.connect(new Aeron.Context().aeronDirectoryName(worker.aeronDirectoryName()));
            rawReceiver = Aeron.connect(new Aeron.Context().aeronDirectoryName(coordinator.aeronDirectoryName()));
            ExclusivePublication rawPublication = rawSender.addExclusivePublication(rawChannel, 7);
            Subscription rawSubscription = rawReceiver.addSubscription(rawChannel, 7);
            AtomicLong rawBytes = new AtomicLong();
            FragmentHandler count = (buffer, offset, length, header) -> rawBytes.addAndGet(length);
            rawAgent = new AgentRunner(new BackoffIdleStrategy(1, 10, 1_000, 1_000_000), Throwable::printStackTrace,
                    null, new Agent() {
                        @Override
                        public int doWork() {
                            return rawSubscription.poll(count, AeronTransport.FRAGMENT_LIMIT);
                        }

                        @Override
                        public String roleName() {
                            return "bench-raw-subscriber";
                        }
                    });
            AgentRunner.startOnThread(rawAgent);
            UnsafeBuffer rawBody = new UnsafeBuffer(ByteBuffer.allocateDirect((int) c.bytes()));
            rawBody.putBytes(0, FramePublisher.bytesOf(vector), (int) c.bytes());

            AeronTransport w = worker;
            waitFor(() -> w.publishContribution(frame) == PublishResult.ACCEPTED, "the coordinator to connect");
            waitFor(rawPublication::isConnected, "the raw subscription to connect");
            long warmupNs = (long) (Math.min(0.5, o.seconds()) * 1e9);
            timed(warmupNs, () -> sendOurs(w, frame), received::get, 1);
            timed(warmupNs, () -> sendRaw(rawPublication, rawBody, chunk), rawBytes::get, c.bytes());
            double[] ours = new double[o.repeats()];
            double[] raw = new double[o.repeats()];
            double[] oursCpu = new double[o.repeats()];
            double[] rawCpu = new double[o.repeats()];
            long durationNs = (long) (o.seconds() * 1e9);
            for (int r = 0; r < o.repeats(); r++) {
                double[] run = timedWithCpu(durationNs, () -> sendOurs(w, frame), received::get, 1);
                ours[r] = run[0];
                oursCpu[r] = run[1];
                run = timedWithCpu(durationNs, () -> sendRaw(rawPublication, rawBody, chunk), rawBytes::get,
                        c.bytes());
                raw[r] = run[0];
                rawCpu[r] = run[1];
                progress.accept(String.format("%s run %d/%d: ours %.0f frames/s (%.0f us CPU/frame), raw %.0f "
                        + "frames/s (%.0f us CPU/frame)", c.name(), r + 1, o.repeats(), ours[r], oursCpu[r], raw[r],
                        rawCpu[r]));
            }
            double oursMedian = median(ours);
            double rawMedian = median(raw);
            return new Result(c, fragments, new Throughput(oursMedian, oursMedian * c.bytes() / 1e6,
                    median(oursCpu)), new Throughput(rawMedian, rawMedian * c.bytes() / 1e6, median(rawCpu)));
        } finally {
            CloseHelper.quietCloseAll(rawAgent, rawSender, rawReceiver, worker, coordinator);
        }
    }

    private static AeronTransportSettings settings(String runId, RunSecret secret, Node local, Node coordinator,
                                                   Case c, Options o) {
        Path dir = AeronTransportSettings.defaultDriverParent().resolve("metareward-bench-transport-" + local.name()
                + "-" + ProcessHandle.current().pid());
        return AeronTransportSettings.udp(runId, secret, local, List.of(coordinator), local.equals(coordinator), 2,
                c.elements(), DataType.FLOAT, new AeronSettings(Optional.of(dir.toString()), false, o.termLength(),
                        o.mtu()));
    }

    /** A FLOAT vector of {@code elements} standard normal values (seeded). */
    static INDArray vector(long elements) {
        float[] values = new float[(int) elements];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Nd4j.createFromArray(values);
    }

    private static boolean sendOurs(AeronTransport worker, ContributionFrame frame) {
        PublishResult result = worker.publishContribution(frame);
        return switch (result) {
            case ACCEPTED -> true;
            case BACK_PRESSURED, NOT_CONNECTED -> false;
            case CLOSED -> throw new IllegalStateException("the bench transport closed");
        };
    }

    /** Sends one vector's bytes as raw messages of at most {@code chunk} bytes; false when refused at the start. */
    private static boolean sendRaw(Publication publication, UnsafeBuffer body, int chunk) {
        IdleStrategy idle = new BackoffIdleStrategy(0, 10, 1_000, 100_000);
        int length = body.capacity();
        for (int offset = 0; offset < length; offset += chunk) {
            int n = Math.min(chunk, length - offset);
            while (true) {
                long result = publication.offer(body, offset, n);
                if (result >= 0) {
                    break;
                }
                if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                    throw new IllegalStateException("raw publication failed: " + result);
                }
                if (offset == 0 && result != Publication.ADMIN_ACTION) {
                    return false; // nothing of this vector sent yet: let the caller idle and retry
                }
                if (result != Publication.ADMIN_ACTION) {
                    idle.idle();
                }
            }
        }
        return true;
    }

    /** {@link #timed}, and the process's CPU time per vector in microseconds: {vectors/s, CPU us/vector}. */
    private static double[] timedWithCpu(long durationNs, java.util.function.BooleanSupplier send,
                                         java.util.function.LongSupplier arrivedUnits, long unitsPerVector) {
        long before = arrivedUnits.getAsLong();
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        double rate = timed(durationNs, send, arrivedUnits, unitsPerVector);
        double seconds = (System.nanoTime() - start) / 1e9;
        double vectors = Math.max(1, (arrivedUnits.getAsLong() - before) / unitsPerVector);
        double cpu = (processCpuNanos() - cpuBefore) / 1e3 / Math.max(vectors, rate * seconds);
        return new double[] {rate, cpu};
    }

    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    /**
     * Sends for {@code durationNs}, then waits until everything sent has arrived; returns vectors per second from the
     * first send to the last arrival.
     */
    private static double timed(long durationNs, java.util.function.BooleanSupplier send,
                                java.util.function.LongSupplier arrivedUnits, long unitsPerVector) {
        IdleStrategy idle = new BackoffIdleStrategy(1, 10, 1_000, 100_000);
        long before = arrivedUnits.getAsLong();
        long sent = 0;
        long start = System.nanoTime();
        long end = start + durationNs;
        while (System.nanoTime() - end < 0) {
            if (send.getAsBoolean()) {
                sent++;
                idle.reset();
            } else {
                idle.idle();
            }
        }
        long expected = before + sent * unitsPerVector;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (arrivedUnits.getAsLong() < expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("only " + (arrivedUnits.getAsLong() - before) / unitsPerVector
                        + " of " + sent + " vectors arrived within 10 s of the last send");
            }
            idle.idle();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return sent / seconds;
    }

    /** Waits up to 10 s for {@code condition}, sleeping 1 ms between checks. */
    static void waitFor(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
