package dev.metareward.tensors.data.builtin;

import java.util.List;
import java.util.Map;

/**
 * The words of one built-in domain.
 *
 * @param subjects  what a prompt talks about, with its determiner ("the plot"); a prompt is subject + verb
 * @param nouns     topic nouns used inside responses ("the pacing is ...")
 * @param sentiment domain-specific sentiment words and their valence (positive = good)
 */
public record DomainVocabulary(String domain, List<String> subjects, List<String> nouns,
                               Map<String, Double> sentiment) {
    public DomainVocabulary {
        subjects = List.copyOf(subjects);
        nouns = List.copyOf(nouns);
        // Insertion order is kept (Map.copyOf's order varies between JVM runs): the generator picks words by index.
        sentiment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sentiment));
    }
}
