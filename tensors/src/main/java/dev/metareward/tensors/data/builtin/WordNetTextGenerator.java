package dev.metareward.tensors.data.builtin;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.ModelSettings;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.SplitMix64;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates the built-in real-text set (docs/DATA.md) from WordNet's example sentences: a domain is a lexicographer
 * file ("noun-artifact", "verb-motion"); an SFT sample is an example sentence cut into a prompt (its first words)
 * and a continuation (the rest); a preference pair takes another example of the domain and edits one word of its
 * continuation with the AFINN-165 lexicon: either an adjective is inserted after a determiner before a noun ("the
 * [splendid|dreadful] garden") or a sentiment adjective already there is swapped for one of the opposite sign. The
 * answer with the positive word is chosen; its r* (summed AFINN valence over sqrt(words)) is always the higher.
 * Pairs take the first editable examples of a seeded shuffle, SFT samples the first of the others, so the two never
 * share an example (and SFT texts are a little poorer in the determiner-noun and sentiment-adjective sites the edits
 * use than the domain as a whole).
 *
 * <p>Length does not leak the label: each pair's byte difference chosen minus rejected is assigned before the pair
 * is made ({@link LengthGaps}: a balanced shuffled list over [-MAX_LENGTH_GAP, MAX_LENGTH_GAP]) and kept until an
 * example meets it exactly.
 * Deterministic for (WordNet files, lexicon, seed, domain): each domain draws from its
 * own generator, and examples are taken in a seeded shuffle of the sorted list.
 */
public final class WordNetTextGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(WordNetTextGenerator.class);

    /** The domains of {@code gen-data --text}: six lexicographer files with many short examples. */
    public static final List<String> DEFAULT_DOMAINS = List.of("noun-act", "noun-artifact", "noun-communication",
            "verb-communication", "verb-contact", "verb-motion");
    /** Largest byte difference between the answers of a pair. */
    static final int MAX_LENGTH_GAP = 2;
    /** Share of pairs made by swapping a sentiment adjective when the example has one (the rest insert one). */
    static final double SWAP_SHARE = 0.5;
    /** Longest sentiment adjective the edits use, so an edit adds at most this plus a space. */
    static final int MAX_ADJECTIVE_BYTES = 10;
    /** Words after which an adjective may be inserted before a noun ("a"/"an" would need the article changed). */
    static final Set<String> DETERMINERS = Set.of("the", "his", "her", "their", "its", "this", "that", "my", "your",
            "our", "these", "those", "some", "every", "each", "no");
    /**
     * AFINN entries that WordNet also lists as adjectives but that read as a noun or verb in front of a noun, or are
     * profanity or slurs; the edits never insert them.
     */
    static final Set<String> EXCLUDED = Set.of("damn", "goddamn", "shitty", "crappy", "retarded", "imbecile", "sexy",
            "fascist", "racist", "sexist", "suicidal", "obscene", "no", "anti", "like", "chance", "rose", "gold", "top",
            "tops", "romance", "champion", "worth", "dirt", "bias", "blame", "hinder", "obliterate", "pretend", "dread",
            "warning", "waste", "snub", "bully", "nonsense", "dud", "mock", "cut", "robed", "nuts", "lunatic",
            "barbarian", "criminal", "extremist", "drunk", "poorly");
    private static final int WORDS_IN_PROMPT = 3;
    private static final int MIN_CONTINUATION_WORDS = 3;
    private static final int GAP_ATTEMPTS = 50;

    private final BuiltinDataSettings settings;
    private final int maxPromptBytes;
    private final int maxResponseBytes;
    private final WordNetCorpus corpus;
    private final AfinnLexicon lexicon;
    private final GroundTruthScorer scorer;
    private final Map<Integer, List<String>> positiveByLength;
    private final Map<Integer, List<String>> negativeByLength;

    public WordNetTextGenerator(BuiltinDataSettings settings, int maxPromptBytes, int maxResponseBytes,
                                WordNetCorpus corpus, AfinnLexicon lexicon) {
        if (maxPromptBytes < 1 || maxResponseBytes < MAX_ADJECTIVE_BYTES + 12) {
            throw new IllegalArgumentException("the real-text set needs prompts of at least 1 byte and responses of "
                    + "at least " + (MAX_ADJECTIVE_BYTES + 12) + " bytes, but the budgets were " + maxPromptBytes
                    + " and " + maxResponseBytes + "; increase model.context");
        }
        this.settings = settings;
        this.maxPromptBytes = maxPromptBytes;
        this.maxResponseBytes = maxResponseBytes;
        this.corpus = corpus;
        this.lexicon = lexicon;
        this.scorer = lexicon.scorer();
        this.positiveByLength = adjectivesByLength(true);
        this.negativeByLength = adjectivesByLength(false);
    }

    /** A generator reading WordNet and the lexicon from the settings, with texts that fit the model's context. */
    public static WordNetTextGenerator forModel(BuiltinDataSettings settings, ModelSettings model) {
        return new WordNetTextGenerator(settings, model.promptTokens() - 1, model.responseTokens() - 1,
                WordNetCorpus.load(settings.wordnetDir()), AfinnLexicon.load(AfinnLexicon.location(settings.lexicon())));
    }

    /** r* of this set: the AFINN-165 scorer. */
    public GroundTruthScorer scorer() {
        return scorer;
    }

    /** Generates every domain's records in memory. */
    public GeneratedData generate() {
        List<SftSample> sft = new ArrayList<>();
        List<PreferencePair> pref = new ArrayList<>();
        for (String domain : settings.domains()) {
            DomainGenerator g = new DomainGenerator(domain);
            pref.addAll(g.pref());
            sft.addAll(g.sft());
        }
        return new GeneratedData(sft, pref);
    }

    /** Generates the set and writes it with its manifest into {@code dir} (see {@link GeneratedData#writeTo}). */
    public GeneratedData writeTo(Path dir) {
        GeneratedData data = generate();
        data.writeTo(dir, new BuiltinManifest(BuiltinManifest.WORDNET, settings.seed(), settings.domains(),
                lexicon.sha256()));
        LOG.info("generated the WordNet text set in {}: domains {}, {} SFT samples, {} preference pairs (seed {})",
                dir, settings.domains(), data.sft().size(), data.pref().size(), settings.seed());
        return data;
    }

    private Map<Integer, List<String>> adjectivesByLength(boolean positive) {
        return lexicon.valence().entrySet().stream()
                .filter(e -> positive ? e.getValue() >= 1 && e.getValue() <= 3 : e.getValue() <= -1 && e.getValue() >= -3)
                .map(Map.Entry::getKey)
                .filter(w -> corpus.adjectives().contains(w) && !EXCLUDED.contains(w) && isLowerWord(w)
                        && w.length() <= MAX_ADJECTIVE_BYTES)
                .collect(Collectors.groupingBy(String::length, TreeMap::new, Collectors.toList()));
    }

    private static boolean isLowerWord(String w) {
        return !w.isEmpty() && w.chars().allMatch(c -> c >= 'a' && c <= 'z');
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** An example cut into prompt and continuation (which starts with a space). */
    private record Cut(String prompt, List<String> words) {
        String continuation() {
            return " " + String.join(" ", words);
        }
    }

    /** The generation of one domain. */
    private final class DomainGenerator {
        private final String domain;
        private final List<Cut> cuts = new ArrayList<>();
        private final Set<Integer> usedByPairs = new java.util.HashSet<>();

        DomainGenerator(String domain) {
            this.domain = domain;
            List<String> examples = corpus.examples(domain);
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("'" + domain + "' is not a domain of the WordNet text set; "
                        + "expected a lexicographer file with examples, one of " + corpus.domains());
            }
            for (String e : examples) {
                Cut c = cut(e);
                if (c != null) {
                    cuts.add(c);
                }
            }
            int[] order = new int[cuts.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            new SplitMix64(SplitMix64.derive(settings.seed(), "wordnet", domain, "order")).shuffle(order);
            List<Cut> shuffled = new ArrayList<>(cuts.size());
            for (int i : order) {
                shuffled.add(cuts.get(i));
            }
            cuts.clear();
            cuts.addAll(shuffled);
            if (cuts.size() < settings.sftPerDomain() + settings.prefPerDomain()) {
                throw tooFew("that is fewer than SFT samples and pairs together");
            }
        }

        /** The first words that fit the prompt budget (at most WORDS_IN_PROMPT); null when the rest does not fit. */
        private Cut cut(String example) {
            String[] words = example.split(" ");
            int k = Math.min(WORDS_IN_PROMPT, words.length - MIN_CONTINUATION_WORDS);
            while (k >= 1 && bytes(String.join(" ", List.of(words).subList(0, k))) > maxPromptBytes) {
                k--;
            }
            if (k < 1) {
                return null;
            }
            Cut c = new Cut(String.join(" ", List.of(words).subList(0, k)), List.of(words).subList(k, words.length));
            // Room for an inserted adjective, a space and the largest length gap.
            return bytes(c.continuation()) + MAX_ADJECTIVE_BYTES + 1 + MAX_LENGTH_GAP <= maxResponseBytes ? c : null;
        }

        /** SFT samples from the examples the pairs did not use, in shuffled order; call after {@link #pref()}. */
        List<SftSample> sft() {
            List<SftSample> out = new ArrayList<>();
            for (int i = 0; i < cuts.size() && out.size() < settings.sftPerDomain(); i++) {
                if (!usedByPairs.contains(i)) {
                    Cut c = cuts.get(i);
                    out.add(new SftSample(domain, c.prompt(), c.continuation()));
                }
            }
            if (out.size() < settings.sftPerDomain()) {
                throw tooFew("only " + out.size() + " examples are left for SFT after the pairs");
            }
            return out;
        }

        /** Pairs from the first examples (in shuffled order) that an edit meeting the drawn length gap fits. */
        List<PreferencePair> pref() {
            SplitMix64 random = new SplitMix64(SplitMix64.derive(settings.seed(), "wordnet", domain, "pref"));
            int[] gaps = LengthGaps.balanced(settings.prefPerDomain(), MAX_LENGTH_GAP, random);
            List<PreferencePair> out = new ArrayList<>();
            int next = 0;
            while (out.size() < settings.prefPerDomain()) {
                int gap = gaps[out.size()];
                PreferencePair pair = null;
                while (pair == null) {
                    if (next >= cuts.size()) {
                        throw tooFew("only " + out.size() + " of them could be edited into pairs");
                    }
                    pair = edit(cuts.get(next), gap, random);
                    if (pair != null) {
                        usedByPairs.add(next);
                    }
                    next++;
                }
                out.add(pair);
            }
            return out;
        }

        /** A pair from {@code c} whose chosen answer is {@code gap} bytes longer than the rejected; null if none. */
        private PreferencePair edit(Cut c, int gap, SplitMix64 random) {
            List<Integer> swaps = new ArrayList<>();
            List<Integer> inserts = new ArrayList<>();
            List<String> w = c.words();
            for (int i = 0; i < w.size(); i++) {
                String word = w.get(i);
                if (isLowerWord(word) && lexicon.valence().containsKey(word) && adjective(word)) {
                    swaps.add(i);
                }
                String before = i == 0 ? lastWord(c.prompt()) : w.get(i - 1);
                if (DETERMINERS.contains(before) && isLowerWord(word) && corpus.nouns().contains(word)) {
                    inserts.add(i);
                }
            }
            boolean swap = !swaps.isEmpty() && (inserts.isEmpty() || random.chance(SWAP_SHARE));
            if (swap) {
                int i = random.pick(swaps);
                String word = w.get(i);
                boolean positive = lexicon.valence().get(word) > 0;
                // chosen - rejected = gap: the replacement has the length that makes it so.
                int length = positive ? word.length() - gap : word.length() + gap;
                List<String> pool = (positive ? negativeByLength : positiveByLength).get(length);
                if (pool == null) {
                    return null;
                }
                String other = random.pick(pool);
                String edited = replace(w, i, other);
                return pair(c, positive ? c.continuation() : edited, positive ? edited : c.continuation());
            }
            if (inserts.isEmpty()) {
                return null;
            }
            int i = random.pick(inserts);
            for (int attempt = 0; attempt < GAP_ATTEMPTS; attempt++) {
                String good = random.pick(random.pick(List.copyOf(positiveByLength.values())));
                List<String> pool = negativeByLength.get(good.length() - gap);
                if (pool != null) {
                    String bad = random.pick(pool);
                    return pair(c, insert(w, i, good), insert(w, i, bad));
                }
            }
            return null;
        }

        private boolean adjective(String word) {
            List<String> pool = (lexicon.valence().get(word) > 0 ? positiveByLength : negativeByLength)
                    .get(word.length());
            return pool != null && pool.contains(word);
        }

        private PreferencePair pair(Cut c, String chosen, String rejected) {
            if (!(scorer.score(c.prompt(), chosen) > scorer.score(c.prompt(), rejected)) || bytes(chosen) > maxResponseBytes
                    || bytes(rejected) > maxResponseBytes) {
                return null;
            }
            return new PreferencePair(domain, c.prompt(), chosen, rejected);
        }

        private IllegalArgumentException tooFew(String why) {
            return new IllegalArgumentException("domain '" + domain + "' of the WordNet text set has too few usable "
                    + "examples for " + settings.sftPerDomain() + " SFT samples and " + settings.prefPerDomain()
                    + " pairs: " + cuts.size() + " examples fit the byte budget of " + maxPromptBytes + " + "
                    + maxResponseBytes + " and " + why + "; lower data.builtin.sft-per-domain or pref-per-domain, "
                    + "raise model.context, or choose a larger domain");
        }
    }

    private static String lastWord(String text) {
        return text.substring(text.lastIndexOf(' ') + 1).toLowerCase(java.util.Locale.ROOT);
    }

    private static String replace(List<String> words, int i, String word) {
        List<String> out = new ArrayList<>(words);
        out.set(i, word);
        return " " + String.join(" ", out);
    }

    private static String insert(List<String> words, int i, String word) {
        List<String> out = new ArrayList<>(words);
        out.add(i, word);
        return " " + String.join(" ", out);
    }
}
