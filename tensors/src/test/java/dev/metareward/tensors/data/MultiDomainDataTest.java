package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.DataSettings.BadLinePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiDomainDataTest {

    @TempDir
    Path dir;

    private static List<SftSample> sft(int n) {
        List<SftSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new SftSample(i % 2 == 0 ? "books" : "dvd", "prompt number " + i, " response " + i));
        }
        return out;
    }

    private static List<PreferencePair> pref(int n) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PreferencePair(i % 2 == 0 ? "books" : "dvd", "prompt number " + i, " good", " bad"));
        }
        return out;
    }

    private static Set<String> evalPrompts(MultiDomainData data) {
        Set<String> prompts = new TreeSet<>();
        for (String d : data.domains()) {
            data.domain(d).sftEval().forEach(s -> prompts.add(s.prompt()));
        }
        return prompts;
    }

    @Test
    void shouldSplitTheSameWayTwice() {
        MultiDomainData a = MultiDomainData.of(sft(400), pref(200), 0.2);
        MultiDomainData b = MultiDomainData.of(sft(400), pref(200), 0.2);
        assertEquals(a.domain("books"), b.domain("books"));
        assertEquals(a.domain("dvd"), b.domain("dvd"));
    }

    @Test
    void shouldPutAPromptOnTheSameSideWhateverTheFileOrder() {
        List<SftSample> shuffled = new ArrayList<>(sft(400));
        Collections.shuffle(shuffled, new Random(1));
        assertEquals(evalPrompts(MultiDomainData.of(sft(400), List.of(), 0.2)),
                evalPrompts(MultiDomainData.of(shuffled, List.of(), 0.2)));
    }

    @Test
    void shouldHoldOutAboutTheEvalFraction() {
        MultiDomainData data = MultiDomainData.of(sft(2000), List.of(), 0.2);
        int eval = data.domain("books").sftEval().size() + data.domain("dvd").sftEval().size();
        assertTrue(eval > 0.15 * 2000 && eval < 0.25 * 2000, "eval size " + eval);
    }

    @Test
    void shouldKeepSftAndPreferencesOfOnePromptOnOneSide() {
        MultiDomainData data = MultiDomainData.of(sft(400), pref(400), 0.3);
        Set<String> sftEval = data.domain("books").sftEval().stream().map(SftSample::prompt).collect(Collectors.toSet());
        Set<String> prefEval = data.domain("books").prefEval().stream().map(PreferencePair::prompt)
                .collect(Collectors.toSet());
        assertFalse(sftEval.isEmpty());
        assertEquals(sftEval, prefEval);
    }

    @Test
    void shouldPlaceAPromptAtTheFirst53BitsOfItsSha256() {
        // Golden values computed independently (Python hashlib): a changed hash would silently reshuffle every split.
        assertEquals(0.838860282847613, PromptSplit.position("the plot was"), 1e-15);
        assertEquals(0.46656864457264213, PromptSplit.position("日本語"), 1e-15);
        assertTrue(PromptSplit.isEval("the plot was", 0.9));
        assertFalse(PromptSplit.isEval("the plot was", 0.8));
    }

    private void write(String name, List<String> lines) throws IOException {
        Files.write(dir.resolve(name), lines);
    }

    private static String sftLine(String domain, String prompt) {
        return "{\"domain\":\"" + domain + "\",\"prompt\":\"" + prompt + "\",\"response\":\" fine\"}";
    }

    private static String prefLine(String domain, String prompt) {
        return "{\"domain\":\"" + domain + "\",\"prompt\":\"" + prompt + "\",\"chosen\":\" good\",\"rejected\":\" bad\"}";
    }

    @Test
    void shouldUseEvalFilesWhenPresent() throws IOException {
        write("sft.jsonl", List.of(sftLine("books", "a"), sftLine("books", "b"), sftLine("dvd", "c")));
        write("pref.jsonl", List.of(prefLine("books", "a")));
        write("sft.eval.jsonl", List.of(sftLine("books", "z")));
        MultiDomainData data = MultiDomainData.load(dir, List.of(), BadLinePolicy.FAIL, 0.5);
        assertEquals(MultiDomainData.SplitSource.EVAL_FILE, data.sftSplit());
        assertEquals(MultiDomainData.SplitSource.PROMPT_HASH, data.prefSplit());
        assertEquals(2, data.domain("books").sftTrain().size());
        assertEquals(List.of("z"), data.domain("books").sftEval().stream().map(SftSample::prompt).toList());
        assertEquals(Set.of("books", "dvd"), data.domains());
    }

    @Test
    void shouldNameTheMissingFileAndTheAbsentDomain() throws IOException {
        write("sft.jsonl", List.of(sftLine("books", "a")));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> MultiDomainData.load(dir, List.of(), BadLinePolicy.FAIL, 0.2));
        assertTrue(missing.getMessage().contains("pref.jsonl"), missing.getMessage());
        write("pref.jsonl", List.of(prefLine("books", "a")));
        MultiDomainData data = MultiDomainData.load(dir, List.of(), BadLinePolicy.FAIL, 0.2);
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class, () -> data.domain("kitchen"));
        assertTrue(absent.getMessage().contains("[books]"), absent.getMessage());
    }
}
