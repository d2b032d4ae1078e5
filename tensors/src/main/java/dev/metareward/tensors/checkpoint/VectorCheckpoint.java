package dev.metareward.tensors.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A generic flat parameter vector on disk (a fine-tuned policy theta, a base model, a best phi), tagged with a kind
 * so that a policy file is never loaded as something else.
 */
public record VectorCheckpoint(String kind, INDArray vector, Map<String, String> metadata) {

    public VectorCheckpoint {
        metadata = Map.copyOf(metadata);
    }

    /** Writes this vector atomically to {@code path}. */
    public void write(Path path) throws IOException {
        CheckpointFile file = new CheckpointFile().putString("kind", kind).putVector("vector", vector);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            file.putString("meta." + e.getKey(), e.getValue());
        }
        file.write(path);
    }

    /**
     * Reads and verifies a vector of {@code expectedKind} with {@code expectedLength} entries ({@code -1}: any).
     *
     * @throws CorruptCheckpointException when the file is torn or altered
     * @throws CheckpointMismatchException when the kind or the length differs (the message names both)
     */
    public static VectorCheckpoint read(Path path, String expectedKind, long expectedLength) throws IOException {
        CheckpointFile file = CheckpointFile.read(path);
        String kind = file.getString("kind");
        if (!expectedKind.equals(kind)) {
            throw new CheckpointMismatchException("checkpoint " + path + " holds a '" + kind + "' vector but a '"
                    + expectedKind + "' vector was expected");
        }
        INDArray vector = file.vector("vector", expectedLength, "the " + expectedKind + " being loaded");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String name : file.names()) {
            if (name.startsWith("meta.")) {
                metadata.put(name.substring("meta.".length()), file.getString(name));
            }
        }
        return new VectorCheckpoint(kind, vector, metadata);
    }
}
