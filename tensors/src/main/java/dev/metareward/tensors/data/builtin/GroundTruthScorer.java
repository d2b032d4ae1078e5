package dev.metareward.tensors.data.builtin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The known reward r*(x, y) of a built-in data set: the summed valence of the response's words divided by the
 * square root of its number of words (0 for a response with no words). Words are maximal runs of letters, digits,
 * apostrophes and hyphens, compared in lower case; words outside the lexicon count as valence 0. r* ignores the
 * prompt; it takes one so that it can stand for any judge r(x, y). Immutable and thread-safe.
 *
 * <p>Dividing by sqrt(length) rather than length keeps r* sensitive to how much is said, as a sentiment classifier
 * is, while repeating a neutral word still dilutes it.
 */
public final class GroundTruthScorer {

    private final Map<String, Double> valence;

    private GroundTruthScorer(Map<String, Double> valence) {
        this.valence = Map.copyOf(valence);
    }

    /** A scorer with the given lower-case word valences (e.g. the AFINN-165 lexicon of the text set). */
    public static GroundTruthScorer of(Map<String, Double> valence) {
        return new GroundTruthScorer(valence);
    }

    /** A scorer that knows the shared lexicon and the sentiment words of {@code domains}. */
    public static GroundTruthScorer forDomains(Collection<String> domains) {
        Map<String, Double> v = new HashMap<>(SentimentLexicon.SHARED);
        for (String d : domains) {
            v.putAll(SentimentLexicon.vocabulary(d).sentiment());
        }
        return new GroundTruthScorer(v);
    }

    /** r*(prompt, response). */
    public double score(String prompt, String response) {
        List<String> words = words(response);
        if (words.isEmpty()) {
            return 0.0;
        }
        double sum = 0;
        for (String w : words) {
            sum += valence(w);
        }
        return sum / Math.sqrt(words.size());
    }

    /** The valence of one lower-case word, 0 when unknown. */
    public double valence(String word) {
        return valence.getOrDefault(word, 0.0);
    }

    /** The lower-case words of {@code text}. */
    public static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean inWord = i < text.length() && isWordChar(text.charAt(i));
            if (inWord && start < 0) {
                start = i;
            } else if (!inWord && start >= 0) {
                words.add(text.substring(start, i).toLowerCase(Locale.ROOT));
                start = -1;
            }
        }
        return words;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '\'' || c == '-';
    }
}
