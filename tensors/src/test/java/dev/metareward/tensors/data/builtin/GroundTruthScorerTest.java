package dev.metareward.tensors.data.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroundTruthScorerTest {

    private final GroundTruthScorer scorer = GroundTruthScorer.forDomains(List.of("books", "kitchen"));

    @Test
    void shouldSumWordValencesOverTheSquareRootOfTheWordCount() {
        // superb +2, and 0, gripping +2 (books), dull -1
        assertEquals((2.0 + 0 + 2.0) / Math.sqrt(3), scorer.score("the plot was", " superb and gripping"), 1e-12);
        assertEquals(-1.0 / Math.sqrt(2), scorer.score("x", " Really DULL!"), 1e-12);
    }

    @Test
    void shouldScoreAnEmptyOrWordlessResponseZero() {
        assertEquals(0.0, scorer.score("x", ""));
        assertEquals(0.0, scorer.score("x", " ... !!"));
    }

    @Test
    void shouldOnlyKnowTheSentimentWordsOfItsDomains() {
        assertEquals(1.5, scorer.valence("sturdy"));
        assertEquals(0.0, scorer.valence("laggy")); // electronics is not among this scorer's domains
        assertEquals(-1.5, GroundTruthScorer.forDomains(List.of("electronics")).valence("laggy"));
    }

    @Test
    void shouldSplitWordsKeepingHyphensAndApostrophes() {
        assertEquals(List.of("long-winded", "isn't", "great"), GroundTruthScorer.words(" Long-winded, isn't great."));
        assertTrue(scorer.score("x", " long-winded") < 0);
    }
}
