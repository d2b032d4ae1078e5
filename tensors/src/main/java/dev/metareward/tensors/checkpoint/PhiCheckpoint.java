package dev.metareward.tensors.checkpoint;

import dev.metareward.tensors.bilevel.OuterOptimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything needed to resume meta-training: phi and its version, the outer optimizer's state, each training
 * domain's data position, and free-form provenance (run id, resolved settings hash, seeds, code version).
 */
public record PhiCheckpoint(long version, INDArray phi, OuterOptimizer.OptimizerState optimizer,
                           Map<String, byte[]> dataPositions, Map<String, String> metadata) {

    /** Content kind written into the file, checked on load. */
    public static final String KIND = "phi";

    public PhiCheckpoint {
        dataPositions = Map.copyOf(dataPositions);
        metadata = Map.copyOf(metadata);
    }

    /** Writes this checkpoint atomically to {@code path}. */
    public void write(Path path) throws IOException {
        CheckpointFile file = new CheckpointFile()
                .putString("kind", KIND)
                .putLong("version", version)
                .putVector("phi", phi)
                .putString("optimizer.kind", optimizer.kind())
                .putLong("optimizer.steps", optimizer.steps())
                .putDoubles("optimizer.first-moment", optimizer.firstMoment())
                .putDoubles("optimizer.second-moment", optimizer.secondMoment());
        for (Map.Entry<String, byte[]> e : dataPositions.entrySet()) {
            file.putBytes("position." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            file.putString("meta." + e.getKey(), e.getValue());
        }
        file.write(path);
    }

    /**
     * Reads and verifies a phi checkpoint.
     *
     * @param expectedPhiLength the reward model's parameter count
     * @throws CorruptCheckpointException when the file is torn or altered
     * @throws CheckpointMismatchException when phi has another length or the file is not a phi checkpoint
     */
    public static PhiCheckpoint read(Path path, long expectedPhiLength) throws IOException {
        CheckpointFile file = CheckpointFile.read(path);
        String kind = file.getString("kind");
        if (!KIND.equals(kind)) {
            throw new CheckpointMismatchException("checkpoint " + path + " holds '" + kind + "', not a phi checkpoint");
        }
        INDArray phi = file.vector("phi", expectedPhiLength, "the reward model's phi");
        OuterOptimizer.OptimizerState state = new OuterOptimizer.OptimizerState(file.getString("optimizer.kind"),
                file.getLong("optimizer.steps"), file.doubles("optimizer.first-moment"),
                file.doubles("optimizer.second-moment"));
        Map<String, byte[]> positions = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String name : file.names()) {
            if (name.startsWith("position.")) {
                positions.put(name.substring("position.".length()), file.getBytes(name));
            } else if (name.startsWith("meta.")) {
                metadata.put(name.substring("meta.".length()), file.getString(name));
            }
        }
        return new PhiCheckpoint(file.getLong("version"), phi, state, positions, metadata);
    }
}
