package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatcherTest {

    private static final int B = ByteTokenizer.BOS;
    private static final int E = ByteTokenizer.EOS;
    private static final int P = ByteTokenizer.PAD;

    private final Batcher batcher = new Batcher(new ByteTokenizer(), 10, 4);

    @Test
    void shouldLayOutBosPromptResponseEosThenPadding() {
        TokenBatch batch = batcher.sftBatch(List.of(new SftSample("books", "ab", "xy")));
        assertArrayEquals(new int[] {B, 'a', 'b', 'x', 'y', E, P, P, P, P}, batch.tokens()[0]);
        assertArrayEquals(new boolean[] {false, false, false, true, true, true, false, false, false, false},
                batch.scored()[0]);
        assertEquals(5, batch.lastIndex()[0]);
        assertEquals(3, batch.scoredCount(0));
        assertEquals(new Truncations(1, 0, 0), batcher.truncations());
    }

    @Test
    void shouldKeepTheEndOfATooLongPromptAndCountIt() {
        TokenBatch batch = batcher.sftBatch(List.of(new SftSample("books", "abcdef", "x")));
        assertArrayEquals(new int[] {B, 'd', 'e', 'f', 'x', E, P, P, P, P}, batch.tokens()[0]);
        assertEquals(new Truncations(1, 1, 0), batcher.truncations());
    }

    @Test
    void shouldCutATooLongResponseWithoutEosAndCountIt() {
        TokenBatch batch = batcher.sftBatch(List.of(new SftSample("books", "abc", "0123456789")));
        assertArrayEquals(new int[] {B, 'a', 'b', 'c', '0', '1', '2', '3', '4', '5'}, batch.tokens()[0]);
        assertEquals(9, batch.lastIndex()[0]);
        assertEquals(6, batch.scoredCount(0));
        assertEquals(new Truncations(1, 0, 1), batcher.truncations());
    }

    @Test
    void shouldLetAResponseUseThePositionsAShortPromptLeaves() {
        TokenBatch batch = batcher.sftBatch(List.of(new SftSample("books", "a", "0123456")));
        assertArrayEquals(new int[] {B, 'a', '0', '1', '2', '3', '4', '5', '6', E}, batch.tokens()[0]);
        assertEquals(new Truncations(1, 0, 0), batcher.truncations());
    }

    @Test
    void shouldEncodeChosenAndRejectedWithTheSamePrompt() {
        PreferenceBatch batch = batcher.preferenceBatch(List.of(
                new PreferencePair("books", "abcdef", "good", "bad"),
                new PreferencePair("books", "q", "yes", "no")));
        assertEquals(2, batch.size());
        for (int row = 0; row < 2; row++) {
            int[] c = batch.chosen().tokens()[row];
            int[] r = batch.rejected().tokens()[row];
            int firstScored = 0;
            while (!batch.chosen().scored()[row][firstScored]) {
                firstScored++;
            }
            for (int t = 0; t < firstScored; t++) {
                assertEquals(c[t], r[t], "prompt position " + t + " of row " + row);
            }
            assertTrue(batch.rejected().scored()[row][firstScored]);
        }
        assertArrayEquals(new int[] {B, 'd', 'e', 'f', 'b', 'a', 'd', E, P, P}, batch.rejected().tokens()[0]);
        assertEquals(new Truncations(4, 2, 0), batcher.truncations());
    }

    @Test
    void shouldBuildPromptRowsForGenerationWithNothingScored() {
        TokenBatch batch = batcher.promptBatch(List.of("ab", "abcdef"));
        assertArrayEquals(new int[] {B, 'a', 'b', P, P, P, P, P, P, P}, batch.tokens()[0]);
        assertEquals(2, batch.lastIndex()[0]);
        assertArrayEquals(new int[] {B, 'd', 'e', 'f', P, P, P, P, P, P}, batch.tokens()[1]);
        assertEquals(3, batch.lastIndex()[1]);
        assertEquals(0, batch.scoredCount(0) + batch.scoredCount(1));
        assertEquals(1, batcher.truncations().promptsTruncated());
    }

    @Test
    void shouldCountMultiByteCharactersAsSeveralTokens() {
        TokenBatch batch = batcher.sftBatch(List.of(new SftSample("books", "é", "日")));
        assertArrayEquals(new int[] {B, 0xC3, 0xA9, 0xE6, 0x97, 0xA5, E, P, P, P}, batch.tokens()[0]);
        assertFalse(batch.scored()[0][2]);
    }

    @Test
    void shouldRejectAPromptBudgetThatLeavesNoRoomForAResponse() {
        assertThrows(IllegalArgumentException.class, () -> new Batcher(new ByteTokenizer(), 10, 9));
    }
}
