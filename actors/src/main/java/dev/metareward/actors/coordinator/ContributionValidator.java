package dev.metareward.actors.coordinator;

import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.metrics.RejectReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The checks a contribution passes before the coordinator uses it, as a pure function of the frame and a
 * {@link View} of the coordinator's state: no actor, no side effect, so each rule is testable on its own and a
 * coordinator on any node applies the same rules.
 *
 * <p>The checks run in this order and the first failure is the reason: run finished, run id, domain, shape and data
 * type, checksum, finite values, duplicate sequence, future version, staleness bound, already buffered for this
 * round (sync). Cheap identity checks come first so that a frame of another run is not checksummed.
 */
public final class ContributionValidator {

    private final String runId;
    private final List<String> trainingDomains;
    private final AggregationPolicy policy;

    /**
     * @param runId the coordinator's run id
     * @param trainingDomains the run's training domains
     * @param policy gives the staleness bound
     */
    public ContributionValidator(String runId, List<String> trainingDomains, AggregationPolicy policy) {
        this.runId = runId;
        this.trainingDomains = List.copyOf(trainingDomains);
        this.policy = policy;
    }

    /**
     * What the checks read of the coordinator's state.
     *
     * @param finished whether the run has ended (target reached or stopped)
     * @param version the current version of phi
     * @param phiLength phi's length
     * @param phiDataType phi's data type
     * @param resume each domain's last accepted contribution (sequence number); a domain without an entry has none
     * @param buffered the domains whose contribution to the current round is buffered (always empty in async mode)
     */
    public record View(boolean finished, long version, long phiLength, DataType phiDataType,
                       Map<String, DomainResume> resume, Set<String> buffered) {

        public View {
            resume = Map.copyOf(resume);
            buffered = Set.copyOf(buffered);
        }
    }

    /** The first check {@code frame} fails against {@code view}, or empty when the contribution can be used. */
    public Optional<Rejection> validate(ContributionFrame frame, View view) {
        if (view.finished()) {
            return reject(RejectReason.RUN_FINISHED, "the run has finished at version " + view.version());
        }
        if (!runId.equals(frame.runId())) {
            return reject(RejectReason.WRONG_RUN, "run id '" + frame.runId() + "' is not '" + runId + "'");
        }
        if (!trainingDomains.contains(frame.domain())) {
            return reject(RejectReason.UNKNOWN_DOMAIN, "'" + frame.domain() + "' is not a training domain "
                    + trainingDomains);
        }
        INDArray vector = frame.vector();
        if (vector.length() != view.phiLength() || vector.dataType() != view.phiDataType()) {
            return reject(RejectReason.WRONG_SHAPE, "vector has " + vector.length() + " " + vector.dataType()
                    + " entries, phi has " + view.phiLength() + " " + view.phiDataType());
        }
        if (VectorChecksum.of(vector) != frame.checksum()) {
            return reject(RejectReason.BAD_CHECKSUM, "checksum of the vector does not match the frame's "
                    + frame.checksum());
        }
        if (!Double.isFinite(frame.outerLoss()) || !VectorChecksum.allFinite(vector)) {
            return reject(RejectReason.NON_FINITE, "loss " + frame.outerLoss() + " or the vector is not finite");
        }
        DomainResume last = view.resume().get(frame.domain());
        if (last != null && frame.sequence() <= last.lastSequence()) {
            return reject(RejectReason.DUPLICATE, "sequence " + frame.sequence() + " is not after the last accepted "
                    + last.lastSequence());
        }
        if (frame.phiVersion() > view.version()) {
            return reject(RejectReason.FUTURE_VERSION, "phi version " + frame.phiVersion()
                    + " is newer than the coordinator's " + view.version());
        }
        long staleness = view.version() - frame.phiVersion();
        if (staleness > policy.stalenessBound()) {
            return reject(RejectReason.TOO_STALE, "staleness " + staleness + " exceeds " + policy.stalenessBound()
                    + " (" + policy.stalenessBoundSource() + ")");
        }
        if (view.buffered().contains(frame.domain())) {
            return reject(RejectReason.DUPLICATE, "domain '" + frame.domain()
                    + "' has already contributed at version " + view.version());
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(RejectReason reason, String detail) {
        return Optional.of(new Rejection(reason, detail));
    }
}
