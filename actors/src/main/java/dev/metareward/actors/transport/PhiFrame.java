package dev.metareward.actors.transport;

import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A broadcast of phi from the coordinator to the workers.
 *
 * <p>The vector is a snapshot owned by the frame: the coordinator never modifies it after publishing, receivers
 * read it only (a worker that needs to modify phi copies it).
 *
 * @param runId the run of the coordinator
 * @param version version of phi (number of updates applied)
 * @param sequence broadcast number, increasing by one per broadcast of this coordinator and starting above every
 *                 sequence of an earlier coordinator of the run (see RewardCoordinator); a re-broadcast of the same
 *                 version has a new sequence
 * @param awaitedDomains in sync mode, the domains asked to compute a contribution with this phi (all training
 *                       domains after an update; only the missing ones after a round timed out); empty in async mode,
 *                       where every worker always continues with the newest phi
 * @param vector phi, flat
 * @param checksum {@link VectorChecksum#of} of {@code vector}
 */
public record PhiFrame(String runId, long version, long sequence, Set<String> awaitedDomains, INDArray vector,
                       long checksum) {

    public PhiFrame {
        awaitedDomains = Set.copyOf(awaitedDomains);
    }

    /** Frames a phi snapshot, computing its checksum. */
    public static PhiFrame of(String runId, long version, long sequence, Set<String> awaitedDomains, INDArray phi) {
        return new PhiFrame(runId, version, sequence, awaitedDomains, phi, VectorChecksum.of(phi));
    }

    @Override
    public String toString() {
        return "PhiFrame[run=" + runId + ", version=" + version + ", sequence=" + sequence + ", awaited="
                + awaitedDomains + ", length=" + vector.length() + "]";
    }
}
