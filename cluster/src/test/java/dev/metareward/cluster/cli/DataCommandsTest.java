package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {

    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void shouldGenerateDataAndPrintItsStatistics() throws Exception {
        Path dir = tmp.resolve("data");
        CliRun gen = run("gen-data", "--out", dir.toString(), "--domains", "5", "--per-domain", "40", "--seed", "3");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().contains("400 SFT samples and 200 preference pairs"), gen.out());
        assertEquals(400, Files.readAllLines(dir.resolve("sft.jsonl")).size());

        CliRun stats = run("data-stats", dir.toString());
        assertEquals(0, stats.exitCode(), stats.err());
        String[] lines = stats.out().split("\n");
        String all = java.util.Arrays.stream(lines).filter(l -> l.startsWith("all ")).findFirst().orElseThrow();
        // all-domains row: 400 sft, 200 pref, ..., longer accuracy 0.500 (length gaps come from a balanced list),
        // r* accuracy 1.000, max bytes, mean SFT response bytes, gap+ and gap-
        assertTrue(all.matches("all\\s+400\\s+\\d+\\s+\\d+\\s+200\\s+.*\\s0\\.500\\s+1\\.000\\s+\\d+\\s+\\d+"
                + "\\s+\\d+\\.\\d\\s+\\d\\.\\d\\d\\s+\\d\\.\\d\\d"), all);
        assertTrue(stats.out().contains("domain5"), stats.out());
        assertTrue(stats.out().contains("vocabulary overlap"), stats.out());
        assertTrue(stats.out().contains("bad lines skipped: none"), stats.out());
    }

    @Test
    void shouldGenerateTheWordNetTextSetAndScoreItWithItsOwnLexicon() throws Exception {
        Path dir = tmp.resolve("text");
        CliRun gen = run("gen-data", "--text", "--out", dir.toString(), "--text-domains", "verb-motion,noun-act",
                "--per-domain", "30", "--seed", "5");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().contains("120 SFT samples and 60 preference pairs of domains [verb-motion, noun-act]"),
                gen.out());
        assertTrue(Files.readString(dir.resolve("builtin.json")).contains("\"wordnet\""));

        CliRun stats = run("data-stats", dir.toString());
        assertEquals(0, stats.exitCode(), stats.err());
        String all = java.util.Arrays.stream(stats.out().split("\n")).filter(l -> l.startsWith("all "))
                .findFirst().orElseThrow();
        // r* is the AFINN scorer (the synthetic lexicon would tie most pairs and give about 0.5)
        assertTrue(all.matches("all\\s+120\\s+\\d+\\s+\\d+\\s+60\\s+.*\\s1\\.000\\s+\\d+\\s+\\d+\\s+.*"), all);

        CliRun unknown = run("gen-data", "--text", "--out", tmp.resolve("x").toString(), "--text-domains", "noun-kitchen");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("'noun-kitchen'"), unknown.err());
    }

    @Test
    void shouldRefuseToOverwriteWithoutForce() {
        Path dir = tmp.resolve("data");
        assertEquals(0, run("gen-data", "--out", dir.toString(), "--domains", "1", "--per-domain", "5").exitCode());
        CliRun again = run("gen-data", "--out", dir.toString(), "--domains", "1", "--per-domain", "5");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("--force"), again.err());
        assertEquals(0, run("gen-data", "--out", dir.toString(), "--per-domain", "5", "--force").exitCode());
    }

    @Test
    void shouldReportAFolderWithoutDataAsAUserError() {
        CliRun stats = run("data-stats", tmp.resolve("nowhere").toString());
        assertEquals(2, stats.exitCode());
        assertTrue(stats.err().contains("nowhere") && stats.err().contains("not a folder"), stats.err());
    }

    @Test
    void shouldReportABadLineWithFileAndLine() throws Exception {
        Files.writeString(tmp.resolve("sft.jsonl"), "{\"domain\":\"books\",\"prompt\":\"p\",\"response\":\"r\"}\n{oops\n");
        Files.writeString(tmp.resolve("pref.jsonl"), "");
        CliRun stats = run("data-stats", tmp.toString());
        assertEquals(2, stats.exitCode());
        assertTrue(stats.err().contains("sft.jsonl:2: malformed JSON"), stats.err());
        CliRun skipped = run("data-stats", "--skip-bad-lines", tmp.toString());
        assertEquals(0, skipped.exitCode(), skipped.err());
        assertTrue(skipped.out().contains("bad lines skipped: 1 (malformed JSON: 1)"), skipped.out());
    }
}
