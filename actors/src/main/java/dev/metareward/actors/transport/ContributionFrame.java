package dev.metareward.actors.transport;

import dev.metareward.tensors.bilevel.Contribution;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One domain's hypergradient contribution as it travels from a worker to the coordinator.
 *
 * <p>The vector is owned by the frame once published: neither the sender nor any receiver modifies it.
 *
 * @param runId the run the sender belongs to; frames of other runs are rejected
 * @param domain the training domain that computed it
 * @param phiVersion version of phi the hypergradient was computed with
 * @param sequence per-domain sequence number, increasing by one per computed contribution
 * @param outerLoss loss_PL the hypergradient is the gradient of
 * @param pairs preference pairs that loss averaged
 * @param vector the hypergradient d loss_PL / d phi, flat, FLOAT or DOUBLE
 * @param checksum {@link VectorChecksum#of} of {@code vector} as computed by the sender
 * @param dataPosition the sender's {@code DomainBatches.position()} right after computing this contribution, so a
 *                     checkpoint that includes this contribution resumes the data right after it
 */
public record ContributionFrame(String runId, String domain, long phiVersion, long sequence, double outerLoss,
                                int pairs, INDArray vector, long checksum, byte[] dataPosition) {

    /** Frames a computed contribution, computing the checksum of its hypergradient. */
    public static ContributionFrame of(String runId, long sequence, Contribution contribution, byte[] dataPosition) {
        INDArray vector = contribution.hypergradient();
        return new ContributionFrame(runId, contribution.domain(), contribution.phiVersion(), sequence,
                contribution.outerLoss(), contribution.pairs(), vector, VectorChecksum.of(vector), dataPosition);
    }

    /** The contribution this frame carries. */
    public Contribution contribution() {
        return new Contribution(domain, phiVersion, vector, outerLoss, pairs);
    }

    @Override
    public String toString() {
        return "ContributionFrame[run=" + runId + ", domain=" + domain + ", phiVersion=" + phiVersion + ", sequence="
                + sequence + ", loss=" + outerLoss + ", pairs=" + pairs + ", length=" + vector.length() + "]";
    }
}
