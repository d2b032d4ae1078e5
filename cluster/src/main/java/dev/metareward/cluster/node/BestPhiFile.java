package dev.metareward.cluster.node;

import dev.metareward.tensors.checkpoint.VectorCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code run.output-dir/best-phi.ckpt}: how the evaluator (on any node) hands the best phi to the node that writes
 * the report, since phi never travels in an actor message and the output folder is shared storage anyway.
 */
public final class BestPhiFile {

    private static final String NAME = "best-phi.ckpt";
    private static final String KIND = "best-phi";

    private BestPhiFile() {
    }

    /** The file in {@code outputDir}. */
    public static Path in(Path outputDir) {
        return outputDir.resolve(NAME);
    }

    /** Writes {@code phi} (atomically, checksummed) with its version and training-domain PL accuracy. */
    static void write(Path outputDir, INDArray phi, long version, double trainingPlAccuracy) throws IOException {
        new VectorCheckpoint(KIND, phi, Map.of("version", Long.toString(version),
                "training_pl_accuracy", Double.toString(trainingPlAccuracy))).write(in(outputDir));
    }

    /** Reads the best phi back in the data type of {@code like}, which also gives the length it must have. */
    public static INDArray read(Path outputDir, INDArray like) throws IOException {
        return VectorCheckpoint.read(in(outputDir), KIND, like.length()).vector().castTo(like.dataType());
    }
}
