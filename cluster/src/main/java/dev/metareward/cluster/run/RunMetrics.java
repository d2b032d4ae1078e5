package dev.metareward.cluster.run;

import dev.metareward.config.MetricsSettings;
import dev.metareward.metrics.MeterCatalogue;
import dev.metareward.metrics.NodeMetrics;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.LoadReport;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * The metrics of one process of a run, as {@code train} and {@code node} start them: the node's registry and
 * Prometheus endpoint (metrics.host and metrics.port, or the node's own metrics-port), JVM and process meters, and
 * what only this module can see: JavaCPP's memory figures (ND4J's off-heap buffers) and the data's load problems.
 */
public final class RunMetrics {

    /** The node tag of the one process of {@code metareward train}. */
    public static final String LOCAL_NODE = "local";

    private RunMetrics() {
    }

    /**
     * Starts the metrics of node {@code node} of run {@code runId}, serving them when the port is not 0.
     *
     * @throws dev.metareward.metrics.MetricsEndpointException when the endpoint cannot listen there
     */
    public static NodeMetrics start(MetricsSettings settings, String runId, String node) {
        NodeMetrics metrics = NodeMetrics.create(settings, runId, node);
        TrainerMeters meters = metrics.meters();
        // Initialise JavaCPP's Pointer (it loads its native library) on this thread, before any scrape can: left to
        // the first scrape, that class initialisation raced ND4J's own native loading on the main thread, and a
        // node hung for good right after its endpoint came up (seen in the compose cluster and the dashboard test).
        Pointer.physicalBytes();
        // physicalBytes() reads the resident set of the whole process (heap included) from the OS: a leak of
        // native memory shows there first; totalBytes() is what JavaCPP itself allocated (ND4J's data buffers).
        meters.registerGauge(MeterCatalogue.JAVACPP_PHYSICAL_BYTES, Pointer::physicalBytes);
        meters.registerGauge(MeterCatalogue.JAVACPP_TOTAL_BYTES, Pointer::totalBytes);
        return metrics;
    }

    /** Exports what loading the data skipped (per file, zero included) and what the batcher truncates as it runs. */
    public static void recordData(TrainerMeters meters, LoadReport loaded, Batcher batcher) {
        for (LoadReport.FileSummary file : loaded.files()) {
            meters.dataBadLinesSkipped(Path.of(file.file()).getFileName().toString()).increment(file.skippedTotal());
        }
        meters.registerCounter(MeterCatalogue.DATA_TRUNCATED_SAMPLES, batcher, b -> b.truncations().promptsTruncated(),
                "prompt");
        meters.registerCounter(MeterCatalogue.DATA_TRUNCATED_SAMPLES, batcher,
                b -> b.truncations().responsesTruncated(), "response");
    }
}
