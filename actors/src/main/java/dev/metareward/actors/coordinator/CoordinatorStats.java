package dev.metareward.actors.coordinator;

import dev.metareward.actors.CborSerializable;
import dev.metareward.metrics.RejectReason;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of a coordinator incarnation, as answered to {@link RewardCoordinator.GetStats} (possibly from another
 * node): a view over the node's catalogue meters (see {@code CoordinatorMeters}), which is where they are counted.
 *
 * @param version current version of phi
 * @param appliedUpdates updates applied by this coordinator incarnation (version minus the version it started at)
 * @param acceptedContributions contributions that passed validation
 * @param rejected rejected contributions by reason (every reason present, zero when none); for
 *                 {@link RejectReason#OPTIMIZER_REFUSED} the refused optimizer steps
 * @param acceptedByDomain accepted contributions by training domain (every training domain present)
 * @param broadcasts phi broadcasts published
 * @param failedBroadcasts phi broadcasts the transport did not accept
 * @param roundTimeouts times timeouts.contribution passed without an update
 */
public record CoordinatorStats(long version, long appliedUpdates, long acceptedContributions,
                               Map<RejectReason, Long> rejected, Map<String, Long> acceptedByDomain,
                               long broadcasts, long failedBroadcasts, long roundTimeouts)
        implements CborSerializable {

    public CoordinatorStats {
        rejected = Map.copyOf(new EnumMap<>(rejected));
        acceptedByDomain = Map.copyOf(acceptedByDomain);
    }

    /** Rejections for {@code reason}. */
    public long rejected(RejectReason reason) {
        return rejected.getOrDefault(reason, 0L);
    }

    /** Rejections over all reasons. */
    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }
}
