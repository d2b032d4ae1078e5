package dev.metareward.cluster.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.metareward.actors.transport.PublishResult;
import dev.metareward.config.AeronSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared helpers of the data-plane tests: settings, vectors, bounded waits. */
final class DataPlaneTestSupport {

    static final String RUN = "test-run";
    static final RunSecret SECRET = RunSecret.of("0123456789abcdef-secret-for-tests".getBytes(StandardCharsets.UTF_8));
    /** 4 MiB terms: one Aeron message is at most 512 KiB, so a few-MB vector is fragmented. */
    static final int TERM = 4 << 20;
    private static final AtomicInteger DIRS = new AtomicInteger();
    private static final AtomicInteger PORTS = new AtomicInteger(
            20000 + (int) (ProcessHandle.current().pid() % 2000) * 10);

    private DataPlaneTestSupport() {
    }

    /** A fresh driver directory path under /dev/shm (not created). */
    static Path driverDir(String name) {
        Path shm = Path.of("/dev/shm");
        Path parent = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return parent.resolve("metareward-test-" + ProcessHandle.current().pid() + "-" + name + "-"
                + DIRS.incrementAndGet());
    }

    static AeronSettings aeron(Path dir) {
        return new AeronSettings(Optional.of(dir.toString()), false, TERM, 8192);
    }

    /** A port p with p and p + 1 free for this JVM's tests (each call returns a new pair). */
    static int ports() {
        return PORTS.getAndAdd(2);
    }

    static INDArray randomVector(long length, DataType type, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        if (type == DataType.DOUBLE) {
            double[] values = new double[(int) length];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextGaussian();
            }
            return Nd4j.createFromArray(values);
        }
        float[] values = new float[(int) length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Nd4j.createFromArray(values);
    }

    /** The vector's bytes as they travel. */
    static byte[] bytes(INDArray vector) {
        ByteBuffer view = FramePublisher.bytesOf(vector);
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }

    static void assertSameBits(INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType());
        assertEquals(expected.length(), actual.length());
        if (!java.util.Arrays.equals(bytes(expected), bytes(actual))) {
            fail("vectors differ in their bits");
        }
    }

    /** Publishes until ACCEPTED (retrying BACK_PRESSURED / NOT_CONNECTED) for at most 10 s. */
    static void publish(Supplier<PublishResult> publish) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        PublishResult last;
        do {
            last = publish.get();
            if (last == PublishResult.ACCEPTED) {
                return;
            }
            if (last == PublishResult.CLOSED) {
                fail("transport closed");
            }
            sleep(2);
        } while (System.nanoTime() < deadline);
        fail("not accepted within 10 s; last result " + last);
    }

    /** Waits until {@code condition} holds, at most 10 s. */
    static void await(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what.get());
            }
            sleep(2);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
