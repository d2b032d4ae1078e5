package dev.metareward.tensors.data.builtin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.DataStats;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentimentDataGeneratorTest {

    private static final MetarewardConfig DEFAULTS = MetarewardConfig.defaults();
    private static final BuiltinDataSettings DEFAULT_SETTINGS = DEFAULTS.data().builtin();
    private static final GeneratedData DEFAULT_DATA =
            SentimentDataGenerator.forModel(DEFAULT_SETTINGS, DEFAULTS.model()).generate();

    @TempDir
    Path tmp;

    private static BuiltinDataSettings settings(List<String> domains, long seed) {
        return new BuiltinDataSettings(domains, 60, 30, seed);
    }

    @Test
    void shouldWriteByteIdenticalFilesForTheSameSeed() throws IOException {
        SentimentDataGenerator g = new SentimentDataGenerator(settings(List.of("books", "kitchen"), 3), 15, 47);
        g.writeTo(tmp.resolve("a"));
        new SentimentDataGenerator(settings(List.of("books", "kitchen"), 3), 15, 47).writeTo(tmp.resolve("b"));
        for (String f : List.of("sft.jsonl", "pref.jsonl")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(f)),
                    Files.readAllBytes(tmp.resolve("b").resolve(f)), f);
        }
        new SentimentDataGenerator(settings(List.of("books", "kitchen"), 4), 15, 47).writeTo(tmp.resolve("c"));
        assertFalse(Files.readString(tmp.resolve("a/sft.jsonl")).equals(Files.readString(tmp.resolve("c/sft.jsonl"))));
    }

    @Test
    void shouldWriteOneRecordPerLineWithTheDocumentedFields() throws IOException {
        new SentimentDataGenerator(settings(List.of("dvd"), 1), 15, 47).writeTo(tmp);
        List<String> sft = Files.readAllLines(tmp.resolve("sft.jsonl"), StandardCharsets.UTF_8);
        List<String> pref = Files.readAllLines(tmp.resolve("pref.jsonl"), StandardCharsets.UTF_8);
        assertEquals(60, sft.size());
        assertEquals(30, pref.size());
        assertTrue(sft.get(0).matches("\\{\"domain\":\"dvd\",\"prompt\":\"[^\"]+\",\"response\":\"[^\"]+\"}"), sft.get(0));
        assertTrue(pref.get(0).matches(
                "\\{\"domain\":\"dvd\",\"prompt\":\"[^\"]+\",\"chosen\":\"[^\"]+\",\"rejected\":\"[^\"]+\"}"), pref.get(0));
    }

    @Test
    void shouldGiveTheChosenAnswerTheHigherGroundTruthRewardInEveryPair() {
        GroundTruthScorer scorer = GroundTruthScorer.forDomains(DEFAULT_SETTINGS.domains());
        for (PreferencePair p : DEFAULT_DATA.pref()) {
            assertTrue(scorer.score(p.prompt(), p.chosen()) > scorer.score(p.prompt(), p.rejected()), p.toString());
        }
        assertEquals(1.0, DataStats.accuracy(DEFAULT_DATA.pref(), scorer::score));
    }

    @Test
    void shouldNotLetLengthPredictTheLabel() {
        double longer = DataStats.accuracy(DEFAULT_DATA.pref(),
                (prompt, answer) -> answer.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(0.5, longer, 1e-12, "'longer is better' accuracy (ties count one half)");
        for (PreferencePair p : DEFAULT_DATA.pref()) {
            int gap = Math.abs(p.chosen().length() - p.rejected().length());
            assertTrue(gap <= SentimentDataGenerator.MAX_LENGTH_GAP, "length gap " + gap + " in " + p);
        }
        // Not only the mean: the whole distribution of len(chosen) - len(rejected) is symmetric, so neither the
        // sign nor the size of the difference says which answer is preferred.
        LengthGapSymmetry.Result symmetry = LengthGapSymmetry.test(DEFAULT_DATA.pref());
        assertTrue(symmetry.symmetric(), "length difference depends on the label: " + symmetry);
        assertEquals(2 * SentimentDataGenerator.MAX_LENGTH_GAP + 1, symmetry.counts().size(), symmetry.toString());
    }

    @Test
    void shouldCatchALengthDifferenceWhoseSizeDependsOnTheLabel() {
        // Chosen longer by 1 byte in half the pairs, shorter by 3 in the other half: equal halves, 'longer is
        // better' at 0.5, yet the size of the difference gives the label away.
        List<PreferencePair> biased = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            biased.add(i % 2 == 0 ? new PreferencePair("d", "p", " good!", " bad!") : new PreferencePair("d", "p",
                    " good", " awful!!"));
        }
        assertEquals(0.5, DataStats.accuracy(biased, (prompt, answer) -> answer.length()));
        assertFalse(LengthGapSymmetry.test(biased).symmetric());
    }

    @Test
    void shouldWriteContinuationsLongEnoughThatLengthNormalisationMatters() {
        double mean = DEFAULT_DATA.sft().stream().mapToInt(s -> s.response().getBytes(StandardCharsets.UTF_8).length)
                .average().orElseThrow();
        long tooShort = DEFAULT_DATA.sft().stream()
                .filter(s -> s.response().getBytes(StandardCharsets.UTF_8).length < SentimentDataGenerator.MIN_RESPONSE_BYTES)
                .count();
        assertEquals(0, tooShort, "SFT responses shorter than " + SentimentDataGenerator.MIN_RESPONSE_BYTES + " bytes");
        assertTrue(mean >= 28, "mean SFT response " + mean + " bytes");
        for (PreferencePair p : DEFAULT_DATA.pref()) {
            assertTrue(p.chosen().length() >= SentimentDataGenerator.MIN_RESPONSE_BYTES
                    && p.rejected().length() >= SentimentDataGenerator.MIN_RESPONSE_BYTES, p.toString());
        }
    }

    @Test
    void shouldFitTheDefaultModelBudgetSoNothingIsTruncated() {
        assertBudget(DEFAULT_DATA, 15, 47);
        Batcher batcher = Batcher.forModel(new ByteTokenizer(), DEFAULTS.model());
        batcher.sftBatch(DEFAULT_DATA.sft());
        batcher.preferenceBatch(DEFAULT_DATA.pref());
        assertEquals(0, batcher.truncations().promptsTruncated() + batcher.truncations().responsesTruncated());
    }

    @Test
    void shouldRespectASmallerBudget() {
        GeneratedData small = new SentimentDataGenerator(settings(List.of("books", "electronics", "domain5"), 2), 11, 20)
                .generate();
        assertBudget(small, 11, 20);
    }

    private static void assertBudget(GeneratedData data, int prompt, int response) {
        for (SftSample s : data.sft()) {
            assertTrue(bytes(s.prompt()) <= prompt, s.toString());
            assertTrue(bytes(s.response()) <= response, s.toString());
        }
        for (PreferencePair p : data.pref()) {
            assertTrue(bytes(p.prompt()) <= prompt, p.toString());
            assertTrue(bytes(p.chosen()) <= response && bytes(p.rejected()) <= response, p.toString());
        }
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void shouldGiveSftResponsesMixedSentiment() {
        GroundTruthScorer scorer = GroundTruthScorer.forDomains(DEFAULT_SETTINGS.domains());
        long positive = DEFAULT_DATA.sft().stream().filter(s -> scorer.score(s.prompt(), s.response()) > 0).count();
        long negative = DEFAULT_DATA.sft().stream().filter(s -> scorer.score(s.prompt(), s.response()) < 0).count();
        int n = DEFAULT_DATA.sft().size();
        assertTrue(positive > 0.3 * n && negative > 0.3 * n, positive + " positive, " + negative + " negative of " + n);
    }

    @Test
    void shouldShareSomeButNotAllSentimentWordsBetweenDomains() {
        Set<String> kitchenWords = sentimentWordsUsed(DEFAULT_DATA, "kitchen");
        Set<String> otherWords = new HashSet<>();
        for (String d : List.of("books", "dvd", "electronics")) {
            otherWords.addAll(sentimentWordsUsed(DEFAULT_DATA, d));
        }
        Set<String> shared = new HashSet<>(kitchenWords);
        shared.retainAll(otherWords);
        Set<String> own = new HashSet<>(kitchenWords);
        own.removeAll(otherWords);
        assertFalse(shared.isEmpty(), "held-out domain shares no sentiment words");
        assertFalse(own.isEmpty(), "held-out domain has no sentiment words of its own");
        assertTrue(own.contains("sturdy") || own.contains("flimsy") || own.contains("rusty"), own.toString());
    }

    private static Set<String> sentimentWordsUsed(GeneratedData data, String domain) {
        GroundTruthScorer scorer = GroundTruthScorer.forDomains(DEFAULT_SETTINGS.domains());
        Set<String> words = new HashSet<>();
        for (SftSample s : data.sft()) {
            if (s.domain().equals(domain)) {
                GroundTruthScorer.words(s.response()).stream().filter(w -> scorer.valence(w) != 0).forEach(words::add);
            }
        }
        return words;
    }

    @Test
    void shouldKeepADomainsDataWhenOtherDomainsAreAdded() {
        GeneratedData two = new SentimentDataGenerator(settings(List.of("books", "dvd"), 9), 15, 47).generate();
        GeneratedData five = new SentimentDataGenerator(
                settings(SentimentDataGenerator.domainNames(List.of("books", "dvd"), 5), 9), 15, 47).generate();
        assertEquals(two.sft().stream().filter(s -> s.domain().equals("dvd")).toList(),
                five.sft().stream().filter(s -> s.domain().equals("dvd")).toList());
        assertEquals(Set.of("books", "dvd", "domain3", "domain4", "domain5"),
                new HashSet<>(five.sft().stream().map(SftSample::domain).toList()));
    }

    @Test
    void shouldNameExtraDomainsByPosition() {
        assertEquals(List.of("books", "dvd"), SentimentDataGenerator.domainNames(List.of("books", "dvd", "kitchen"), 2));
        assertEquals(List.of("books", "dvd", "electronics", "kitchen", "domain5", "domain6"),
                SentimentDataGenerator.domainNames(List.of("books", "dvd", "electronics", "kitchen"), 6));
    }

    @Test
    void shouldGiveGeneratedDomainsTheirOwnDeterministicVocabulary() {
        DomainVocabulary five = SentimentLexicon.vocabulary("domain5");
        assertEquals(five, SentimentLexicon.vocabulary("domain5"));
        DomainVocabulary six = SentimentLexicon.vocabulary("domain6");
        assertNotEquals(five.sentiment().keySet(), six.sentiment().keySet());
        long positive = five.sentiment().values().stream().filter(v -> v > 0).count();
        assertEquals(five.sentiment().size() - positive, positive);
        for (String w : five.sentiment().keySet()) {
            assertFalse(SentimentLexicon.SHARED.containsKey(w), w);
            assertEquals(SentimentLexicon.generatedValence(w), five.sentiment().get(w));
        }
        GroundTruthScorer scorer = GroundTruthScorer.forDomains(List.of("domain5"));
        GeneratedData data = new SentimentDataGenerator(settings(List.of("domain5"), 1), 15, 47).generate();
        assertEquals(1.0, DataStats.accuracy(data.pref(), scorer::score));
    }
}
