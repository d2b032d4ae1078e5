package dev.metareward.tensors.data.builtin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the real-text set takes from the WordNet 3.0 database (Princeton University; WordNet 3.0 licence, Debian
 * package {@code wordnet-base}): the quoted example sentences of every synset's gloss, grouped by lexicographer file
 * (domain "noun-artifact" for noun.artifact), and the single-word lemmas of adjectives and nouns (which words the
 * sentiment edits may insert or swap, and before which words an adjective may go).
 *
 * <p>Examples are de-duplicated within a domain, trimmed and kept only when they are plain ASCII (one byte a
 * character, so byte budgets are character budgets); each domain's list is sorted, so the result depends only on
 * the database files.
 */
public final class WordNetCorpus {

    /** The lexicographer files of WordNet 3.0 by number (lexnames(5WN)). */
    static final List<String> LEXNAMES = List.of("adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act",
            "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition", "noun.communication",
            "noun.event", "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
            "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process", "noun.quantity",
            "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
            "verb.cognition", "verb.communication", "verb.competition", "verb.consumption", "verb.contact",
            "verb.creation", "verb.emotion", "verb.motion", "verb.perception", "verb.possession", "verb.social",
            "verb.stative", "verb.weather", "adj.ppl");
    private static final List<String> DATA_FILES = List.of("data.noun", "data.verb", "data.adj", "data.adv");
    private static final Pattern EXAMPLE = Pattern.compile("\"([^\"]+)\"");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private final Map<String, List<String>> examples;
    private final Set<String> adjectives;
    private final Set<String> nouns;

    private WordNetCorpus(Map<String, List<String>> examples, Set<String> adjectives, Set<String> nouns) {
        this.examples = examples;
        this.adjectives = adjectives;
        this.nouns = nouns;
    }

    /** The domain name of a lexicographer file: "noun.artifact" -> "noun-artifact". */
    public static String domainOf(String lexname) {
        return lexname.replace('.', '-');
    }

    /** Every domain name the corpus can have, in lexicographer-file order. */
    public static List<String> allDomains() {
        return LEXNAMES.stream().map(WordNetCorpus::domainOf).toList();
    }

    /**
     * Reads the database in {@code dir}.
     *
     * @throws IllegalArgumentException when a file is missing or a synset line is malformed (file:line named)
     */
    public static WordNetCorpus load(Path dir) {
        Map<String, Set<String>> byDomain = new TreeMap<>();
        for (String name : DATA_FILES) {
            List<String> lines = lines(dir, name);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("  ") || line.isBlank()) {
                    continue; // the licence header
                }
                String[] fields = line.split(" ", 3);
                int lex;
                try {
                    lex = fields.length < 3 ? -1 : Integer.parseInt(fields[1]);
                } catch (NumberFormatException e) {
                    lex = -1;
                }
                if (lex < 0 || lex >= LEXNAMES.size()) {
                    throw new IllegalArgumentException(dir.resolve(name) + ":" + (i + 1) + ": expected a synset line "
                            + "'offset lex_filenum ...' with lex_filenum in [0, " + (LEXNAMES.size() - 1) + "]");
                }
                int bar = line.indexOf(" | ");
                if (bar < 0) {
                    continue;
                }
                Matcher m = EXAMPLE.matcher(line.substring(bar + 3));
                Set<String> set = byDomain.computeIfAbsent(domainOf(LEXNAMES.get(lex)), k -> new TreeSet<>());
                while (m.find()) {
                    String example = SPACES.matcher(m.group(1).strip()).replaceAll(" ");
                    if (!example.isEmpty() && example.chars().allMatch(c -> c >= 32 && c < 127)) {
                        set.add(example);
                    }
                }
            }
        }
        Map<String, List<String>> examples = new TreeMap<>();
        byDomain.forEach((d, set) -> examples.put(d, List.copyOf(set)));
        return new WordNetCorpus(examples, lemmas(dir, "index.adj"), lemmas(dir, "index.noun"));
    }

    /** The sorted example sentences of {@code domain} (empty when it has none). */
    public List<String> examples(String domain) {
        return examples.getOrDefault(domain, List.of());
    }

    /** Number of examples per domain, for every domain that has some. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new TreeMap<>();
        examples.forEach((d, list) -> sizes.put(d, list.size()));
        return sizes;
    }

    /** Single-word adjective lemmas (lower case). */
    public Set<String> adjectives() {
        return adjectives;
    }

    /** Single-word noun lemmas (lower case). */
    public Set<String> nouns() {
        return nouns;
    }

    private static Set<String> lemmas(Path dir, String name) {
        Set<String> words = new HashSet<>();
        for (String line : lines(dir, name)) {
            if (line.startsWith("  ") || line.isBlank()) {
                continue;
            }
            String lemma = line.substring(0, Math.max(0, line.indexOf(' ')));
            if (!lemma.isEmpty() && !lemma.contains("_")) {
                words.add(lemma);
            }
        }
        return Set.copyOf(words);
    }

    private static List<String> lines(Path dir, String name) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the WordNet database file " + file + " does not exist; install the "
                    + "Debian package wordnet-base (bin/install-corpora does) or set data.builtin.wordnet-dir to the "
                    + "folder with data.noun, data.verb, data.adj, data.adv, index.adj and index.noun");
        }
        try {
            // The database is ASCII apart from a few Latin-1 glosses, which the ASCII filter drops.
            return Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The domains that have examples, sorted. */
    List<String> domains() {
        return new ArrayList<>(examples.keySet());
    }
}
