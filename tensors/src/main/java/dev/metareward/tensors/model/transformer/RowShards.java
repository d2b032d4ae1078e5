package dev.metareward.tensors.model.transformer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Data parallelism over the rows of a batch on the CPU engine: a model call is split into contiguous row ranges, one
 * per core, each computed by its own {@link TransformerEngine} (its own activations, the same base weights) on its own
 * thread, and the caller combines the parts (per-sample values side by side, gradients summed in range order).
 *
 * <p>Why: the model's GEMMs are small (a tiny-workload inner step multiplies [512, 128] by [128, 384]), and
 * OpenBLAS's own threads gave nothing on them (7.9 vs 8.0 ms per policy forward and backward), while the Java kernels
 * ran on one core. Two row ranges on two threads with single-threaded BLAS took 4.4 ms (DECISIONS.md 66). So on the
 * CPU engine BLAS runs single-threaded in the whole process, with one thread per call too: concurrent callers of a
 * multi-threaded OpenBLAS contend for its thread pool (measured: slower than one range alone; three domain workers
 * of one JVM at one thread each took 3.4x as long as with BLAS single-threaded, decision 72).
 *
 * <p>The split depends only on the batch size and {@code threads}, never on timing, so results are deterministic for
 * a given thread count; different thread counts differ in the last bits (the order of a sum over rows).
 *
 * <p>The caller computes range 0 itself and takes back any range no helper has started when it is done, so a call
 * never waits on a busy helper and never deadlocks; helpers are daemon threads that end after a minute idle.
 */
final class RowShards {

    private static final Logger LOG = LoggerFactory.getLogger(RowShards.class);
    private static final AtomicBoolean BLAS_SINGLE_THREADED = new AtomicBoolean();
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final long HELPER_IDLE_SECONDS = 60;
    /**
     * How long a helper that finished a range, and a caller whose helper has not, poll (yielding the core) before they
     * park. A parked thread took 90 us median and 0.1-0.5 ms at p90 to wake on this 2-vCPU machine, twice per inner
     * step; polling answers in about 6 us. Model calls in a loop follow each other within ~0.05-0.5 ms, so 0.5 ms
     * covers them, and a yield gives the core away at once when another thread needs it (several workers per JVM).
     */
    static final long POLL_NANOS = 500_000;

    /** One range's computation on its engine: rows [from, to) of the call's batch, range number {@code range}. */
    @FunctionalInterface
    interface Call<R> {
        R apply(int range, TransformerEngine engine, int from, int to);
    }

    private final TransformerEngine[] engines;
    private final ThreadPoolExecutor helpers;

    /**
     * @param first   the model's own engine: range 0, and the only one when {@code threads} is 1
     * @param threads row ranges (and threads) per call, at least 1
     */
    RowShards(TransformerEngine first, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("device.cpu-threads must resolve to at least 1 thread, got " + threads);
        }
        engines = new TransformerEngine[threads];
        engines[0] = first;
        for (int i = 1; i < threads; i++) {
            engines[i] = new TransformerEngine(first.shape, first.type, first.base, first.ops);
        }
        if (first.ops instanceof CpuOps) {
            singleThreadedBlas(threads);
        }
        if (threads == 1) {
            helpers = null;
            return;
        }
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        helpers = new ThreadPoolExecutor(threads - 1, threads - 1, HELPER_IDLE_SECONDS, TimeUnit.SECONDS,
                new PollingQueue(), task -> {
                    Thread thread = new Thread(task, "metareward-rows-" + pool + "-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        helpers.allowCoreThreadTimeOut(true);
    }

    /** Row ranges (threads) per call. */
    int threads() {
        return engines.length;
    }

    /**
     * Runs {@code call} on the ranges of {@code rows} rows ({@code min(threads, rows)} near-equal contiguous ranges,
     * the larger first) and returns the parts in range order. An exception of any range is thrown after every range
     * has finished, so no range still uses the buffers when the caller goes on.
     */
    <R> List<R> map(int rows, Call<R> call) {
        int ranges = Math.max(1, Math.min(engines.length, rows));
        if (ranges == 1) {
            return List.of(call.apply(0, engines[0], 0, rows));
        }
        List<FutureTask<R>> tasks = new ArrayList<>(ranges - 1);
        int base = rows / ranges;
        int extra = rows % ranges;
        int from = base + (extra > 0 ? 1 : 0);
        for (int i = 1; i < ranges; i++) {
            int start = from;
            int end = start + base + (i < extra ? 1 : 0);
            int range = i;
            FutureTask<R> task = new FutureTask<>(() -> call.apply(range, engines[range], start, end));
            tasks.add(task);
            helpers.execute(task);
            from = end;
        }
        List<R> parts = new ArrayList<>(ranges);
        RuntimeException failure = null;
        try {
            parts.add(call.apply(0, engines[0], 0, base + (extra > 0 ? 1 : 0)));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (FutureTask<R> task : tasks) {
            task.run(); // a no-op when a helper has started it: then get() waits for the helper
            pollBriefly(() -> task.isDone() ? task : null);
            try {
                parts.add(awaitUninterruptibly(task));
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = unwrap(e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return parts;
    }

    /** The helpers' task queue: a helper polls it for {@link #POLL_NANOS} before it blocks in take or timed poll. */
    private static final class PollingQueue extends LinkedBlockingQueue<Runnable> {

        @Override
        public Runnable take() throws InterruptedException {
            Runnable task = pollBriefly(this::poll);
            return task != null ? task : super.take();
        }

        @Override
        public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
            Runnable task = pollBriefly(this::poll);
            return task != null ? task : super.poll(timeout, unit);
        }
    }

    /** Tries {@code attempt} until it gives a result or {@link #POLL_NANOS} have passed, yielding in between. */
    private static <T> T pollBriefly(Supplier<T> attempt) {
        long until = System.nanoTime() + POLL_NANOS;
        while (true) {
            T result = attempt.get();
            if (result != null || System.nanoTime() >= until) {
                return result;
            }
            Thread.yield();
        }
    }

    /** A range's result; an interrupt is kept for the caller, as the range still uses the engine's buffers. */
    private static <R> R awaitUninterruptibly(FutureTask<R> task) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException unwrap(Throwable cause) {
        if (cause instanceof Error error) {
            throw error;
        }
        return cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
    }

    /**
     * BLAS, and ND4J's own OpenMP loops with it: the vector arithmetic around the model calls (theta and phi updates,
     * norms, hypergradient sums) is on vectors of 10^4-10^6 elements, where waking OpenMP threads cost more than it
     * saved, and those threads would compete with the row ranges.
     */
    private static void singleThreadedBlas(int threads) {
        if (BLAS_SINGLE_THREADED.compareAndSet(false, true)) {
            NativeThreads.useOne();
            LOG.info("CPU engine: {} row range(s) per call on {} thread(s); BLAS and ND4J single-threaded "
                    + "(device.cpu-threads)", threads, threads);
        }
    }
}
