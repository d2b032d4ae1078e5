package dev.metareward.tensors.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import org.junit.jupiter.api.Test;

/** The fixed workloads, their random data and the analytic FLOP count. */
class BenchWorkloadTest {

    @Test
    void shouldFillEveryRowWithBosPromptScoredResponseAndEos() {
        BenchWorkload tiny = BenchWorkload.tiny();
        RandomTokenBatches data = RandomTokenBatches.forWorkload(tiny, 3);
        TokenBatch batch = data.nextSftBatch(8);
        assertEquals(8, batch.size());
        assertEquals(64, batch.length());
        for (int b = 0; b < batch.size(); b++) {
            assertEquals(ByteTokenizer.BOS, batch.tokens()[b][0]);
            assertEquals(ByteTokenizer.EOS, batch.tokens()[b][63]);
            assertEquals(63, batch.lastIndex()[b]);
            assertEquals(tiny.scoredPerSequence(), batch.scoredCount(b));
            for (int t = 0; t < 64; t++) {
                assertEquals(t >= 16, batch.scored()[b][t], "row " + b + " position " + t);
                assertTrue(t == 0 || t == 63 || batch.tokens()[b][t] < 256, "a byte token at " + t);
            }
        }
        PreferenceBatch pairs = data.nextPreferenceBatch(8);
        assertArrayEquals(java.util.Arrays.copyOf(pairs.chosen().tokens()[0], 16),
                java.util.Arrays.copyOf(pairs.rejected().tokens()[0], 16), "a pair shares its prompt");
        assertNotEquals(java.util.Arrays.toString(pairs.chosen().tokens()[0]),
                java.util.Arrays.toString(pairs.rejected().tokens()[0]));
    }

    @Test
    void shouldReplayTheSameBatchesFromASeedAndARestoredPosition() {
        RandomTokenBatches a = RandomTokenBatches.forWorkload(BenchWorkload.tiny().withInnerSteps(3), 7);
        RandomTokenBatches b = RandomTokenBatches.forWorkload(BenchWorkload.tiny().withInnerSteps(3), 7);
        byte[] start = a.position();
        TokenBatch first = a.nextSftBatch(8);
        TokenBatch second = a.nextSftBatch(8);
        assertNotEquals(java.util.Arrays.deepToString(first.tokens()), java.util.Arrays.deepToString(second.tokens()));
        assertArrayEquals(first.tokens(), b.nextSftBatch(8).tokens());
        a.restorePosition(start);
        assertArrayEquals(first.tokens(), a.nextSftBatch(8).tokens());
        assertThrows(IllegalArgumentException.class, () -> a.nextSftBatch(4));
    }

    @Test
    void shouldNameTheKnownWorkloadsWhenAskedForAnUnknownOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchWorkload.named("medium"));
        assertTrue(e.getMessage().contains("medium") && e.getMessage().contains("tiny") && e.getMessage().contains("small"));
        assertEquals(20, BenchWorkload.named("small").innerSteps());
        assertTrue(BenchWorkload.tiny().withInnerSteps(2).innerStepsOverridden());
    }

    /**
     * The tiny inner step counted by hand from the engine's GEMMs (B 8, T 64, n = 512 rows, d 128, f 512, r 8, h 4,
     * V 259, m = 8 x 48 = 384 scored positions). Per layer: attention inputs 2n d 3d + 8 n r d = 54,525,952, block
     * attention 4 B T^2 d = 16,777,216, second half 2k d (d + 2f) = 150,994,944 for k = n, so a full layer is
     * 222,298,112. Policy forward: layer 0 full, then the last layer's inputs and attention and its second half on
     * k = m (113,246,208): 406,847,488. Reward forward: layer 0 full, the last layer's keys and values on every row
     * and queries on its 8 read rows (2n d 2d + 2 k d^2 + 6 n r d + 2 k r d = 36,978,688), attention of those rows
     * (4 B T d = 262,144) and its second half on k = 8 (2,359,296): 261,898,240. LM head 2 m d V = 25,460,736
     * forward, twice that backward. Policy backward: layer 0 4ndf + 2nd^2 + 6BT^2 d + 12nrd = 182,452,224; layer 1 on
     * k = m: 4kdf + 2kd^2 + 8BT^2 d + 12nrd + 6nd^2 + 4nrd = 205,520,896. Reward backward: layer 0 the same, layer 1
     * on k = 8 with per-row attention (8 B T d = 524,288): 61,603,840. Inner step: reward forward + policy forward,
     * LM head, policy backward: 1,133,101,056.
     */
    @Test
    void shouldCountTheTinyInnerStepAsDerivedByHand() {
        TransformerFlops flops = new TransformerFlops(BenchWorkload.tiny().shape());
        assertEquals(406_847_488.0, flops.policyForward(8, 384));
        assertEquals(261_898_240.0, flops.rewardForward(8));
        assertEquals(182_452_224.0 + 61_603_840.0, flops.rewardBackward(8));
        assertEquals(406_847_488.0 + 3 * 25_460_736.0 + 182_452_224.0 + 205_520_896.0,
                flops.policyForwardBackward(8, 48));
        assertEquals(1_133_101_056.0, flops.innerStep(BenchWorkload.tiny()));
    }

    @Test
    void shouldCountAMetaStepAsItsPartsAndGrowWithD() {
        BenchWorkload w = BenchWorkload.tiny().withInnerSteps(2);
        TransformerFlops flops = new TransformerFlops(w.shape());
        double policy = flops.policyForwardBackward(8, 48);
        double outer = flops.policyForward(16, 16 * 48) + flops.lmHeadForward(16 * 48)
                + flops.policyForwardBackward(16, 48);
        double expected = 2 * (flops.innerStep(w) + 2 * policy) + outer + flops.rewardBackward(16);
        assertEquals(expected, flops.metaStep(w), 1e-6 * expected);
        // Each further inner step adds its forward step, its two reverse passes and its rows' reward backward (for the
        // Jacobian the step keeps; its reward forward is part of the inner step).
        double perStep = flops.innerStep(w) + 2 * policy + flops.rewardBackward(8);
        assertEquals(48 * perStep, flops.metaStep(BenchWorkload.tiny()) - flops.metaStep(w), 1e-6 * perStep);
    }
}
