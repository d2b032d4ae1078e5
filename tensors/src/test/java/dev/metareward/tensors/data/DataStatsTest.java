package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.DataSettings.BadLinePolicy;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataStatsTest {

    @TempDir
    Path dir;

    @Test
    void shouldComputeRewardLengthAccuracyOverlapAndBadLines() throws IOException {
        Files.write(dir.resolve("sft.jsonl"), List.of(
                "{\"domain\":\"books\",\"prompt\":\"the plot\",\"response\":\" good\"}",
                "{\"domain\":\"dvd\",\"prompt\":\"the film\",\"response\":\" good\"}",
                "{\"domain\":\"dvd\",\"prompt\":\"the film\"}"));
        Files.write(dir.resolve("pref.jsonl"), List.of(
                // chosen longer and better
                "{\"domain\":\"books\",\"prompt\":\"the plot\",\"chosen\":\" superb\",\"rejected\":\" bad\"}",
                // chosen shorter but better
                "{\"domain\":\"books\",\"prompt\":\"the plot\",\"chosen\":\" good\",\"rejected\":\" awful\"}",
                // chosen worse under r*, same length
                "{\"domain\":\"dvd\",\"prompt\":\"the film\",\"chosen\":\" dull\",\"rejected\":\" good\"}"));
        MultiDomainData data = MultiDomainData.load(dir, List.of(), BadLinePolicy.SKIP, 0.0);
        DataStats stats = DataStats.compute(data, GroundTruthScorer.forDomains(data.domains()));

        DataStats.DomainStats books = stats.domains().get(0);
        assertEquals("books", books.domain());
        assertEquals(1, books.sft());
        assertEquals(2, books.prefTrain());
        assertEquals((2.0 + 1.0) / 2, books.meanRewardChosen(), 1e-12);
        assertEquals((-1.0 - 2.0) / 2, books.meanRewardRejected(), 1e-12);
        assertEquals((7 + 5) / 2.0, books.meanBytesChosen(), 1e-12);
        assertEquals(0.5, books.longerIsBetterAccuracy(), 1e-12);
        assertEquals(1.0, books.rewardAccuracy(), 1e-12);

        DataStats.DomainStats dvd = stats.domains().get(1);
        assertEquals(0.5, dvd.longerIsBetterAccuracy(), 1e-12); // a tie counts one half
        assertEquals(0.0, dvd.rewardAccuracy(), 1e-12);
        assertEquals(2.0 / 3, stats.all().rewardAccuracy(), 1e-12);
        assertEquals(3, stats.all().pref());

        // books words {the, plot, good, superb, bad, awful}, dvd words {the, film, good, dull}: common {the, good}
        assertEquals(2.0 / 8, stats.vocabulary()[0][1], 1e-12);
        assertEquals(1.0, stats.vocabulary()[1][1], 1e-12);
        assertEquals(1L, stats.badLines().get(BadLineReason.MISSING_FIELD));

        String text = stats.format();
        assertTrue(text.contains("books") && text.contains("dvd") && text.contains("0.667"), text);
        assertTrue(text.contains("bad lines skipped: 1 (missing field: 1)"), text);
    }
}
