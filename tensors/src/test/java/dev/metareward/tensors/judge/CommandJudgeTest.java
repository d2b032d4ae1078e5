package dev.metareward.tensors.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The external judge protocol against real child processes: small shell scripts written by each test. */
class CommandJudgeTest {

    private static final List<Judge.Generation> ITEMS = List.of(
            new Judge.Generation("the plot was", " gripping"),
            new Judge.Generation("the kettle is", " rusty and \"leaky\", alas"),
            new Judge.Generation("été", " très bien ✓"));

    @TempDir
    Path dir;

    private CommandJudge judge(String name, String script, Duration timeout) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + script + "\n", StandardCharsets.UTF_8);
        assertTrue(file.toFile().setExecutable(true));
        return new CommandJudge(List.of("/bin/sh", file.toString()), timeout);
    }

    /** The byte length of each JSONL line metareward writes, as the scripts below compute it with wc -c. */
    private static double[] lineBytes(String domain) {
        double[] out = new double[ITEMS.size()];
        for (int i = 0; i < out.length; i++) {
            String json = "{\"domain\":\"" + domain + "\",\"prompt\":\"" + ITEMS.get(i).prompt().replace("\"", "\\\"")
                    + "\",\"continuation\":\"" + ITEMS.get(i).continuation().replace("\"", "\\\"") + "\"}";
            out[i] = json.getBytes(StandardCharsets.UTF_8).length;
        }
        return out;
    }

    @Test
    void shouldReadOneNumberOrScoreObjectPerInputLineInOrder() throws IOException {
        // Scores each line by its byte length: proves every line arrived whole, UTF-8 encoded and in order.
        CommandJudge numbers = judge("numbers.sh",
                "while IFS= read -r line; do printf '%s' \"$line\" | wc -c; done", Duration.ofSeconds(20));
        assertArrayEquals(lineBytes("kitchen"), numbers.score("kitchen", ITEMS));

        CommandJudge objects = judge("objects.sh",
                "while IFS= read -r line; do echo \"{\\\"score\\\": $(printf '%s' \"$line\" | wc -c).5}\"; done",
                Duration.ofSeconds(20));
        double[] expected = lineBytes("books");
        for (int i = 0; i < expected.length; i++) {
            expected[i] += 0.5;
        }
        assertArrayEquals(expected, objects.score("books", ITEMS));
        assertEquals(0, objects.score("books", List.of()).length, "no generations need no process");
    }

    @Test
    void shouldNameTheCommandStatusAndStderrWhenTheJudgeCrashes() throws IOException {
        CommandJudge crash = judge("crash.sh", "read line; echo 'model file missing' >&2; exit 3",
                Duration.ofSeconds(20));
        JudgeException e = assertThrows(JudgeException.class, () -> crash.score("kitchen", ITEMS));
        assertTrue(e.getMessage().contains("crash.sh") && e.getMessage().contains("'kitchen'")
                && e.getMessage().contains("exited with status 3") && e.getMessage().contains("model file missing"),
                e.getMessage());
    }

    @Test
    void shouldNameTheLineAndWhatWasExpectedWhenTheJudgePrintsGarbage() throws IOException {
        CommandJudge garbage = judge("garbage.sh", "n=0; while IFS= read -r line; do n=$((n+1)); "
                + "if [ $n -eq 2 ]; then echo 'positive!'; else echo 1.5; fi; done", Duration.ofSeconds(20));
        JudgeException e = assertThrows(JudgeException.class, () -> garbage.score("kitchen", ITEMS));
        assertTrue(e.getMessage().contains("line 2 of its output") && e.getMessage().contains("expected a JSON number")
                && e.getMessage().contains("'positive!'"), e.getMessage());

        CommandJudge infinite = judge("infinite.sh", "while IFS= read -r line; do echo 1e400; done",
                Duration.ofSeconds(20));
        JudgeException inf = assertThrows(JudgeException.class, () -> infinite.score("kitchen", ITEMS));
        assertTrue(inf.getMessage().contains("line 1 of its output: expected a finite score"), inf.getMessage());
    }

    @Test
    void shouldRefuseTooFewAndTooManyLines() throws IOException {
        CommandJudge few = judge("few.sh", "cat >/dev/null; echo 1", Duration.ofSeconds(20));
        JudgeException e = assertThrows(JudgeException.class, () -> few.score("dvd", ITEMS));
        assertTrue(e.getMessage().contains("wrote 1 lines for 3 generations"), e.getMessage());

        CommandJudge many = judge("many.sh", "while IFS= read -r line; do echo 1; echo 2; done", Duration.ofSeconds(20));
        JudgeException m = assertThrows(JudgeException.class, () -> many.score("dvd", ITEMS));
        assertTrue(m.getMessage().contains("wrote 6 lines for 3 generations"), m.getMessage());
    }

    @Test
    void shouldKillAHangingJudgeAtTheTimeout() throws IOException {
        CommandJudge hang = judge("hang.sh", "read line; echo 0.5; sleep 60; echo 1", Duration.ofSeconds(1));
        long started = System.nanoTime();
        JudgeException e = assertThrows(JudgeException.class, () -> hang.score("kitchen", ITEMS));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(seconds < 10, "the judge call took " + seconds + " s despite a 1 s timeout");
        assertTrue(e.getMessage().contains("did not finish within the timeout of PT1S")
                && e.getMessage().contains("written 1 of 3 lines") && e.getMessage().contains("killed"), e.getMessage());
    }

    @Test
    void shouldSayWhenTheCommandCannotStart() {
        CommandJudge missing = new CommandJudge(List.of(dir.resolve("no-such-judge").toString()), Duration.ofSeconds(5));
        JudgeException e = assertThrows(JudgeException.class, () -> missing.score("kitchen", ITEMS));
        assertTrue(e.getMessage().contains("no-such-judge") && e.getMessage().contains("could not start"),
                e.getMessage());
    }
}
