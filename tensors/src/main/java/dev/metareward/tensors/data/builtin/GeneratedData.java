package dev.metareward.tensors.data.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Function;

/** The records of a generated data set, in file order (domain by domain). */
public record GeneratedData(List<SftSample> sft, List<PreferencePair> pref) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public GeneratedData {
        sft = List.copyOf(sft);
        pref = List.copyOf(pref);
    }

    /**
     * Writes {@code pref.jsonl}, {@code builtin.json} and {@code sft.jsonl} into {@code dir} (created if needed). Each
     * file is written to a temporary file and renamed, and {@code sft.jsonl} last, so an interrupted run never leaves
     * a partial file under the name the loader looks for.
     */
    public void writeTo(Path dir, BuiltinManifest manifest) {
        try {
            Files.createDirectories(dir);
            write(dir.resolve(MultiDomainData.PREF_FILE), pref, p -> {
                ObjectNode o = JSON.createObjectNode();
                o.put("domain", p.domain()).put("prompt", p.prompt()).put("chosen", p.chosen())
                        .put("rejected", p.rejected());
                return o;
            });
            manifest.writeTo(dir);
            write(dir.resolve(MultiDomainData.SFT_FILE), sft, s -> {
                ObjectNode o = JSON.createObjectNode();
                o.put("domain", s.domain()).put("prompt", s.prompt()).put("response", s.response());
                return o;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the built-in data set to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static <T> void write(Path file, List<T> records, Function<T, ObjectNode> toJson) throws IOException {
        // A unique temporary name: the nodes of a cluster may generate the same (deterministic) set concurrently.
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (T r : records) {
                out.write(json(toJson.apply(r)));
                out.write('\n');
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String json(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serialises", e);
        }
    }
}
