package dev.metareward.tensors.data.builtin;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metareward.tensors.checkpoint.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code builtin.json}, written beside the JSONL files of a generated built-in set: which set it is, so that the
 * judge and data-stats can use that set's known reward. Data a user brings has no such file.
 *
 * @param set           "sentiment" or "wordnet"
 * @param lexiconSha256 SHA-256 of the sentiment lexicon file the pairs were scored with ("" for the synthetic set,
 *                      whose lexicon is in the code)
 */
public record BuiltinManifest(String set, long seed, List<String> domains, String lexiconSha256) {

    public static final String FILE = "builtin.json";
    public static final String SENTIMENT = "sentiment";
    public static final String WORDNET = "wordnet";
    private static final ObjectMapper JSON = new ObjectMapper();

    public BuiltinManifest {
        domains = List.copyOf(domains);
    }

    /** Writes the manifest into {@code dir} atomically. */
    public void writeTo(Path dir) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        AtomicFiles.write(dir.resolve(FILE), out -> out.write(bytes));
    }

    /** The manifest of {@code dir}, empty when the folder holds no generated set. */
    public static Optional<BuiltinManifest> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), BuiltinManifest.class));
        } catch (IOException e) {
            throw new UncheckedIOException(file + " is not a valid manifest of a built-in data set (expected "
                    + "{\"set\", \"seed\", \"domains\", \"lexiconSha256\"}): " + e.getMessage(), e);
        }
    }
}
