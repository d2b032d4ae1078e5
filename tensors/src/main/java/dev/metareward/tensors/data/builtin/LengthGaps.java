package dev.metareward.tensors.data.builtin;

import dev.metareward.tensors.data.SplitMix64;

/**
 * The byte-length differences, chosen minus rejected, that a generator's pairs must meet: every value of
 * [-maxGap, maxGap] about equally often and d exactly as often as -d, in a random order. Assigned to pairs before
 * their answers are drawn, they make the difference independent of the label in sign and in size, in every sample,
 * not only in expectation (a per-pair random draw left "longer is better" at 0.55 on the default seed).
 */
final class LengthGaps {

    private LengthGaps() {
    }

    /** {@code count} gaps: the cycle 0, 1, -1, 2, -2, ..., maxGap, -maxGap repeated, a trailing unpaired +d made 0, shuffled. */
    static int[] balanced(int count, int maxGap, SplitMix64 random) {
        int[] cycle = new int[2 * maxGap + 1];
        for (int d = 1; d <= maxGap; d++) {
            cycle[2 * d - 1] = d;
            cycle[2 * d] = -d;
        }
        int[] gaps = new int[count];
        for (int i = 0; i < count; i++) {
            gaps[i] = cycle[i % cycle.length];
        }
        if (count > 0 && gaps[count - 1] > 0) {
            gaps[count - 1] = 0; // its negative partner did not fit
        }
        random.shuffle(gaps);
        return gaps;
    }
}
