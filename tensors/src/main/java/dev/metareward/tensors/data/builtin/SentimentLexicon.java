package dev.metareward.tensors.data.builtin;

import dev.metareward.tensors.data.SplitMix64;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The words of the built-in data set: a sentiment lexicon shared by all domains, neutral and function words, and
 * per domain a topic vocabulary with its own sentiment expressions. Four domains are written by hand (books, dvd,
 * electronics, kitchen); any other domain name gets pseudo-words derived from the name alone, so a domain's words
 * never depend on which other domains are generated with it.
 */
public final class SentimentLexicon {

    /** Sentiment words every domain uses, with their valence. */
    public static final Map<String, Double> SHARED = ordered(
            "good", 1.0, "great", 1.5, "superb", 2.0, "excellent", 2.0, "wonderful", 2.0, "lovely", 1.5,
            "solid", 1.0, "nice", 1.0, "fantastic", 2.0, "perfect", 2.0, "pleasant", 1.0, "enjoyable", 1.5,
            "brilliant", 2.0, "decent", 0.5, "fine", 0.5,
            "bad", -1.0, "poor", -1.0, "awful", -2.0, "terrible", -2.0, "dull", -1.0, "weak", -1.0,
            "mediocre", -0.5, "disappointing", -1.5, "horrible", -2.0, "annoying", -1.5, "useless", -2.0,
            "cheap", -1.0, "sloppy", -1.5, "bland", -1.0, "lousy", -1.5);

    /** Words that fill a sentiment slot with no sentiment (valence 0). */
    public static final List<String> NEUTRAL = List.of("okay", "average", "ordinary", "standard");

    /** Verbs that end a prompt ("the plot" + " was"). */
    public static final List<String> PROMPT_VERBS = List.of("is", "was", "felt", "seems");

    private static final Map<String, DomainVocabulary> HAND_WRITTEN = Map.of(
            "books", new DomainVocabulary("books",
                    List.of("the plot", "the ending", "the author", "this novel", "the prose", "the story",
                            "the hero", "the villain", "the sequel", "the narrator", "this book", "the twist"),
                    List.of("plot", "ending", "prose", "pacing", "dialogue", "writing", "cover", "narrator", "twist"),
                    ordered("gripping", 2.0, "moving", 1.5, "witty", 1.5, "insightful", 1.5, "heartfelt", 1.5,
                            "tedious", -1.5, "predictable", -1.0, "shallow", -1.0, "preachy", -1.5,
                            "long-winded", -1.5)),
            "dvd", new DomainVocabulary("dvd",
                    List.of("the film", "the movie", "the cast", "the sound", "the picture", "the disc",
                            "the acting", "the score", "this dvd", "the comedy", "the remaster", "the transfer"),
                    List.of("film", "cast", "sound", "picture", "acting", "score", "transfer", "soundtrack", "menu"),
                    ordered("cinematic", 1.5, "crisp", 1.5, "hilarious", 2.0, "riveting", 2.0, "stunning", 2.0,
                            "blurry", -1.5, "choppy", -1.5, "grainy", -1.5, "cheesy", -1.0, "wooden", -1.5)),
            "electronics", new DomainVocabulary("electronics",
                    List.of("the battery", "the screen", "the charger", "the remote", "the cable", "this phone",
                            "the speaker", "the laptop", "the camera", "the keyboard", "the headset", "the app",
                            "the router"),
                    List.of("battery", "screen", "charger", "speaker", "camera", "keyboard", "app", "firmware",
                            "display"),
                    ordered("responsive", 1.5, "reliable", 1.5, "sleek", 1.0, "snappy", 1.5, "intuitive", 1.5,
                            "laggy", -1.5, "glitchy", -2.0, "sluggish", -1.5, "unreliable", -2.0, "noisy", -1.0)),
            "kitchen", new DomainVocabulary("kitchen",
                    List.of("the blender", "the kettle", "the pan", "the knife", "the toaster", "this pot",
                            "the mixer", "the lid", "the handle", "the skillet", "the grater", "the whisk",
                            "the peeler"),
                    List.of("blender", "kettle", "pan", "knife", "lid", "handle", "blade", "coating", "mixer"),
                    ordered("sturdy", 1.5, "sharp", 1.0, "nonstick", 1.5, "durable", 1.5, "spotless", 1.0,
                            "flimsy", -1.5, "rusty", -2.0, "wobbly", -1.5, "leaky", -1.5, "greasy", -1.0)));

    /** Function words of the response templates (valence 0). */
    static final List<String> FUNCTION_WORDS = List.of("the", "and", "but", "quite", "really", "overall");

    // Pseudo-words: nouns and adjectives have disjoint endings, so a generated noun never equals a generated
    // sentiment word of another domain.
    private static final List<String> SYLLABLES = List.of("ba", "ko", "mi", "ru", "te", "zo", "pa", "li", "nu",
            "fe", "ga", "so", "vi", "da", "ke", "lo", "ma", "ni", "po", "tu");
    private static final List<String> NOUN_ENDINGS = List.of("ret", "dar", "bo", "net", "tor");
    private static final List<String> ADJECTIVE_ENDINGS = List.of("ful", "ous", "ish", "ic");
    private static final int GENERATED_SUBJECTS = 12;
    private static final int GENERATED_NOUNS = 9;
    private static final int GENERATED_SENTIMENT_PER_SIGN = 5;

    private SentimentLexicon() {
    }

    /** The hand-written vocabulary of {@code domain}, or a generated one derived from its name. */
    public static DomainVocabulary vocabulary(String domain) {
        DomainVocabulary v = HAND_WRITTEN.get(domain);
        return v != null ? v : generated(domain);
    }

    /** Valence of a generated sentiment word: a pure function of the word, so domains can never disagree on it. */
    static double generatedValence(String word) {
        long h = SplitMix64.derive(0, "valence", word);
        double magnitude = 1.0 + 0.5 * Math.floorMod(h >>> 1, 3); // 1.0, 1.5 or 2.0
        return (h & 1) == 0 ? magnitude : -magnitude;
    }

    private static DomainVocabulary generated(String domain) {
        SplitMix64 random = new SplitMix64(SplitMix64.derive(0, "vocabulary", domain));
        Set<String> taken = new HashSet<>(realWords());
        List<String> nouns = new ArrayList<>();
        while (nouns.size() < GENERATED_SUBJECTS + GENERATED_NOUNS) {
            String noun = pseudoWord(random, NOUN_ENDINGS);
            if (taken.add(noun)) {
                nouns.add(noun);
            }
        }
        List<String> subjects = nouns.subList(0, GENERATED_SUBJECTS).stream()
                .map(n -> (n.length() % 2 == 0 ? "the " : "this ") + n).toList();
        Map<String, Double> sentiment = new TreeMap<>();
        int positive = 0;
        int negative = 0;
        while (positive < GENERATED_SENTIMENT_PER_SIGN || negative < GENERATED_SENTIMENT_PER_SIGN) {
            String word = pseudoWord(random, ADJECTIVE_ENDINGS);
            double valence = generatedValence(word);
            boolean wanted = valence > 0 ? positive < GENERATED_SENTIMENT_PER_SIGN
                    : negative < GENERATED_SENTIMENT_PER_SIGN;
            if (wanted && taken.add(word)) {
                sentiment.put(word, valence);
                if (valence > 0) {
                    positive++;
                } else {
                    negative++;
                }
            }
        }
        return new DomainVocabulary(domain, subjects, nouns.subList(GENERATED_SUBJECTS, nouns.size()), sentiment);
    }

    private static String pseudoWord(SplitMix64 random, List<String> endings) {
        int syllables = 1 + random.nextInt(2);
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < syllables; i++) {
            w.append(random.pick(SYLLABLES));
        }
        return w.append(random.pick(endings)).toString();
    }

    /** Every hand-written word, which generated words must not reuse. */
    private static Set<String> realWords() {
        Set<String> words = new HashSet<>(SHARED.keySet());
        words.addAll(NEUTRAL);
        words.addAll(PROMPT_VERBS);
        words.addAll(FUNCTION_WORDS);
        for (DomainVocabulary v : HAND_WRITTEN.values()) {
            words.addAll(v.nouns());
            words.addAll(v.sentiment().keySet());
            v.subjects().forEach(s -> words.addAll(List.of(s.split(" "))));
        }
        return words;
    }

    private static Map<String, Double> ordered(Object... wordsAndValences) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < wordsAndValences.length; i += 2) {
            m.put((String) wordsAndValences[i], (Double) wordsAndValences[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
