package dev.metareward.actors.coordinator;

import dev.metareward.metrics.RejectReason;
import java.nio.file.Path;
import java.util.List;

/**
 * Observes the coordinator (progress bar, metrics). Called on the coordinator's thread: implementations return
 * quickly and never block.
 */
public interface CoordinatorListener {

    /**
     * An update of phi was applied.
     *
     * @param version the new version
     * @param contributions what went into it: one per training domain in sync mode, one in async mode
     * @param meanOuterLoss mean loss_PL of those contributions
     * @param maxStaleness largest staleness among them (0 in sync mode)
     */
    record UpdateEvent(long version, List<ContributionSummary> contributions, double meanOuterLoss,
                       long maxStaleness) {
        public UpdateEvent {
            contributions = List.copyOf(contributions);
        }
    }

    /** One contribution of an update: its domain, the phi version it used, its loss and pair count. */
    record ContributionSummary(String domain, long phiVersion, long sequence, double outerLoss, int pairs) {
    }

    /** A contribution was refused; phi is unchanged by it. */
    record RejectionEvent(String domain, long phiVersion, long sequence, RejectReason reason, String detail) {
    }

    default void onUpdate(UpdateEvent event) {
    }

    default void onRejected(RejectionEvent event) {
    }

    default void onCheckpoint(Path path, long version) {
    }
}
