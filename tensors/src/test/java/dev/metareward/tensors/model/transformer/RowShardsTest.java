package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model call split into row ranges on threads ({@link RowShards}) gives what one range gives, up to the order of a
 * sum over rows: values, every gradient, the base trainer's loss and gradient, for uneven splits and for more threads
 * than rows (float64, relative 1e-12).
 */
class RowShardsTest {

    private static final double TOLERANCE = 1e-12;

    private static TransformerModel model(int threads) {
        return TransformerModel.create(TinyModels.SHAPE, DataType.DOUBLE, 0.3, 11, DeviceSettings.Engine.CPU_KERNELS,
                threads);
    }

    @Test
    void policyValuesAndGradientDoNotDependOnTheThreadCount() {
        TransformerModel one = model(1);
        INDArray theta = TinyModels.jitter(one.policy().initialParameters(), 0.05, 3);
        for (int rows : new int[] {1, 2, 5, 7}) {
            TokenBatch batch = TinyModels.batch(rows, 20 + rows);
            double[] weights = weights(rows);
            ValueAndGradient expected = one.policy().sequenceLogProbsAndGradient(theta, batch, weights);
            for (int threads : new int[] {2, 3}) {
                TransformerModel split = model(threads);
                ValueAndGradient actual = split.policy().sequenceLogProbsAndGradient(theta, batch, weights);
                String what = rows + " rows on " + threads + " threads";
                EngineParity.assertClose("policy values, " + what, actual.values(), expected.values(), TOLERANCE);
                EngineParity.assertClose("policy gradient, " + what, actual.gradient(), expected.gradient(),
                        TOLERANCE);
                EngineParity.assertClose("policy forward, " + what, split.policy().sequenceLogProbs(theta, batch),
                        expected.values(), TOLERANCE);
                EngineParity.assertClose("base log-probs, " + what, split.baseSequenceLogProbs(batch),
                        one.baseSequenceLogProbs(batch), TOLERANCE);
            }
        }
    }

    @Test
    void rewardValuesAndGradientDoNotDependOnTheThreadCount() {
        TransformerModel one = model(1);
        TransformerModel split = model(3);
        INDArray phi = TinyModels.jitter(one.reward().initialParameters(5), 0.05, 4);
        TokenBatch batch = TinyModels.batch(8, 31);
        double[] weights = weights(8);
        ValueAndGradient expected = one.reward().rewardsAndGradient(phi, batch, weights);
        ValueAndGradient actual = split.reward().rewardsAndGradient(phi, batch, weights);
        EngineParity.assertClose("reward values", actual.values(), expected.values(), TOLERANCE);
        EngineParity.assertClose("reward gradient", actual.gradient(), expected.gradient(), TOLERANCE);
        // The forward-only path (last block on the read rows only) too.
        EngineParity.assertClose("reward forward", split.reward().rewards(phi, batch), expected.values(), TOLERANCE);
    }

    @Test
    void baseTrainerLossGradientAndStepDoNotDependOnTheThreadCount() {
        TransformerModel one = model(1);
        TransformerModel split = model(2);
        TokenBatch batch = TinyModels.batch(5, 41);
        ValueAndGradient expected = one.baseTrainer(1e-2).lossAndGradient(batch);
        ValueAndGradient actual = split.baseTrainer(1e-2).lossAndGradient(batch);
        EngineParity.assertClose("base loss", actual.values(), expected.values(), TOLERANCE);
        EngineParity.assertClose("base gradient", actual.gradient(), expected.gradient(), TOLERANCE);

        BaseTrainer oneTrainer = one.baseTrainer(1e-2);
        BaseTrainer splitTrainer = split.baseTrainer(1e-2);
        for (int step = 0; step < 3; step++) {
            // A smaller batch after a larger one: the second range's gradient buffer must not carry over.
            TokenBatch b = TinyModels.batch(step == 1 ? 1 : 4, 50 + step);
            assertEquals(oneTrainer.step(b), splitTrainer.step(b), 1e-12, "loss of step " + step);
        }
        // Adam divides by sqrt(v), which turns rounding differences of near-zero gradients into 1e-12-sized steps.
        EngineParity.assertClose("base after 3 Adam steps", split.baseParameters(), one.baseParameters(), 1e-9);
        assertEquals(oneTrainer.loss(batch), splitTrainer.loss(batch), 1e-12);
    }

    @Test
    void rangesCoverTheRowsInOrderLargerFirstAndNoMoreThanTheRows() {
        RowShards shards = new RowShards(model(1).engine(), 3);
        List<int[]> seven = shards.map(7, (range, e, from, to) -> new int[] {range, from, to});
        assertEquals(List.of("0:0-3", "1:3-5", "2:5-7"), describe(seven));
        assertEquals(List.of("0:0-1", "1:1-2"), describe(shards.map(2, (range, e, from, to) -> new int[] {range, from,
                to})));
        List<TransformerEngine> engines = Collections.synchronizedList(new ArrayList<>());
        shards.map(3, (range, e, from, to) -> engines.add(e));
        assertEquals(3, engines.stream().distinct().count(), "each range has its own engine");
    }

    @Test
    void aFailingRangeIsThrownToTheCallerOnlyAfterEveryRangeFinished() throws InterruptedException {
        RowShards shards = new RowShards(model(1).engine(), 2);
        CountDownLatch helperStarted = new CountDownLatch(1);
        AtomicBoolean firstRangeFinished = new AtomicBoolean();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> shards.map(4,
                (range, e, from, to) -> {
                    if (range == 1) {
                        helperStarted.countDown();
                        throw new IllegalStateException("range 1 failed");
                    }
                    awaitQuietly(helperStarted);
                    sleepQuietly();
                    firstRangeFinished.set(true);
                    return range;
                }));
        assertEquals("range 1 failed", thrown.getMessage());
        assertTrue(firstRangeFinished.get(), "range 0 had finished before the failure was thrown");

        // The shards still work after a failure.
        assertEquals(List.of(0, 1), shards.map(4, (range, e, from, to) -> range));
    }

    @Test
    void aRangeNoHelperStartedIsRunByTheCaller() {
        RowShards shards = new RowShards(model(1).engine(), 2);
        // Hold the only helper thread so the second range of the next call waits in the queue.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        Thread holder = new Thread(() -> shards.map(2, (range, e, from, to) -> {
            if (range == 1) {
                held.countDown();
                awaitQuietly(release);
            } else {
                awaitQuietly(held); // so the helper, not this thread, has started range 1
            }
            return range;
        }));
        holder.start();
        awaitQuietly(held);
        try {
            Thread caller = Thread.currentThread();
            List<Thread> ranThere = shards.map(2, (range, e, from, to) -> Thread.currentThread());
            assertSame(caller, ranThere.get(0));
            assertSame(caller, ranThere.get(1), "the queued range ran on the caller, not after the busy helper");
        } finally {
            release.countDown();
        }
    }

    private static double[] weights(int rows) {
        double[] w = new double[rows];
        for (int i = 0; i < rows; i++) {
            w[i] = 0.3 + 0.1 * i;
        }
        return w;
    }

    private static List<String> describe(List<int[]> ranges) {
        return ranges.stream().map(r -> r[0] + ":" + r[1] + "-" + r[2]).toList();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS), "timed out waiting for another range");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
