package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {

    @TempDir
    Path tmp;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = MetarewardCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void shouldGenerateDataAndPrintItsStatistics() throws Exception {
        Path dir = tmp.resolve("data");
        Run gen = run("gen-data", "--out", dir.toString(), "--domains", "5", "--per-domain", "40", "--seed", "3");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().contains("400 SFT samples and 200 preference pairs"), gen.out());
        assertEquals(400, Files.readAllLines(dir.resolve("sft.jsonl")).size());

        Run stats = run("data-stats", dir.toString());
        assertEquals(0, stats.exitCode(), stats.err());
        String[] lines = stats.out().split("\n");
        String all = java.util.Arrays.stream(lines).filter(l -> l.startsWith("all ")).findFirst().orElseThrow();
        // all-domains row: 400 sft, 200 pref, ..., longer accuracy 0.500, r* accuracy 1.000
        assertTrue(all.matches("all\\s+400\\s+\\d+\\s+\\d+\\s+200\\s+.*\\s0\\.500\\s+1\\.000\\s+\\d+\\s+\\d+"), all);
        assertTrue(stats.out().contains("domain5"), stats.out());
        assertTrue(stats.out().contains("vocabulary overlap"), stats.out());
        assertTrue(stats.out().contains("bad lines skipped: none"), stats.out());
    }

    @Test
    void shouldRefuseToOverwriteWithoutForce() {
        Path dir = tmp.resolve("data");
        assertEquals(0, run("gen-data", "--out", dir.toString(), "--domains", "1", "--per-domain", "5").exitCode());
        Run again = run("gen-data", "--out", dir.toString(), "--domains", "1", "--per-domain", "5");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("--force"), again.err());
        assertEquals(0, run("gen-data", "--out", dir.toString(), "--per-domain", "5", "--force").exitCode());
    }

    @Test
    void shouldReportAFolderWithoutDataAsAUserError() {
        Run stats = run("data-stats", tmp.resolve("nowhere").toString());
        assertEquals(2, stats.exitCode());
        assertTrue(stats.err().contains("nowhere") && stats.err().contains("not a folder"), stats.err());
    }

    @Test
    void shouldReportABadLineWithFileAndLine() throws Exception {
        Files.writeString(tmp.resolve("sft.jsonl"), "{\"domain\":\"books\",\"prompt\":\"p\",\"response\":\"r\"}\n{oops\n");
        Files.writeString(tmp.resolve("pref.jsonl"), "");
        Run stats = run("data-stats", tmp.toString());
        assertEquals(2, stats.exitCode());
        assertTrue(stats.err().contains("sft.jsonl:2: malformed JSON"), stats.err());
        Run skipped = run("data-stats", "--skip-bad-lines", tmp.toString());
        assertEquals(0, skipped.exitCode(), skipped.err());
        assertTrue(skipped.out().contains("bad lines skipped: 1 (malformed JSON: 1)"), skipped.out());
    }
}
