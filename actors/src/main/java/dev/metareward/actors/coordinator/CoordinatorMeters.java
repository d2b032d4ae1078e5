package dev.metareward.actors.coordinator;

import dev.metareward.metrics.CheckpointOutcome;
import dev.metareward.metrics.RejectReason;
import dev.metareward.metrics.TrainerMeters;
import io.micrometer.core.instrument.Counter;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's counters are the node's catalogue meters (there is no second set): this records into them and
 * {@link #stats} reads them back as the {@link CoordinatorStats} of this coordinator incarnation, i.e. minus what the
 * meters held when it started (a coordinator restarted on the same node finds its predecessor's counts there).
 * Every meter is registered at start, so a clean run exports zeros rather than nothing. Used on the coordinator's
 * thread only.
 */
final class CoordinatorMeters {

    private final TrainerMeters meters;
    private final Map<String, Counter> accepted = new LinkedHashMap<>();
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Counter refusedSteps;
    private final Counter broadcasts;
    private final Counter failedBroadcasts;
    private final Counter roundTimeouts;
    private final Counter phiUpdates;
    private final Counter checkpointsWritten;
    private final Counter checkpointsFailed;
    private final Map<Counter, Double> baseline = new LinkedHashMap<>();

    CoordinatorMeters(TrainerMeters meters, List<String> trainingDomains, long version) {
        this.meters = meters;
        for (String domain : trainingDomains) {
            accepted.put(domain, meters.contributionsAccepted(domain));
        }
        for (RejectReason reason : RejectReason.values()) {
            if (reason != RejectReason.OPTIMIZER_REFUSED) {
                rejected.put(reason, meters.contributionsRejected(reason));
            }
        }
        refusedSteps = meters.optimizerRefusedSteps();
        broadcasts = meters.phiBroadcasts(true);
        failedBroadcasts = meters.phiBroadcasts(false);
        roundTimeouts = meters.roundTimeouts();
        phiUpdates = meters.phiUpdates();
        checkpointsWritten = meters.checkpointWrites(CheckpointOutcome.WRITTEN);
        checkpointsFailed = meters.checkpointWrites(CheckpointOutcome.FAILED);
        meters.contributionStaleness();
        meters.restartCheckpointAge();
        meters.raisePhiVersion(version);
        accepted.values().forEach(this::remember);
        rejected.values().forEach(this::remember);
        List.of(refusedSteps, broadcasts, failedBroadcasts, roundTimeouts).forEach(this::remember);
    }

    private void remember(Counter counter) {
        baseline.put(counter, counter.count());
    }

    /** A contribution of a training domain passed validation (staleness = current version - its phi version). */
    void accepted(String domain, long staleness, double outerLoss) {
        accepted.get(domain).increment();
        meters.contributionStaleness().record(staleness);
        meters.setOuterLoss(domain, outerLoss);
    }

    /**
     * A contribution was refused: by the validator, or {@link RejectReason#OPTIMIZER_REFUSED} once per refused
     * optimizer step (counted as {@code metareward_optimizer_refused_steps_total}).
     */
    void rejected(RejectReason reason) {
        if (reason == RejectReason.OPTIMIZER_REFUSED) {
            refusedSteps.increment();
        } else {
            rejected.get(reason).increment();
        }
    }

    /** Refusals for {@code reason} by this coordinator so far. */
    long rejections(RejectReason reason) {
        return count(reason == RejectReason.OPTIMIZER_REFUSED ? refusedSteps : rejected.get(reason));
    }

    void updated(long version) {
        phiUpdates.increment();
        meters.raisePhiVersion(version);
    }

    void broadcast(boolean accepted) {
        (accepted ? broadcasts : failedBroadcasts).increment();
    }

    void roundTimedOut() {
        roundTimeouts.increment();
    }

    void checkpoint(boolean written) {
        if (written) {
            checkpointsWritten.increment();
            meters.restartCheckpointAge();
        } else {
            checkpointsFailed.increment();
        }
    }

    /** This incarnation's counters at {@code version}; it started at {@code startVersion}. */
    CoordinatorStats stats(long version, long startVersion) {
        Map<String, Long> acceptedByDomain = new LinkedHashMap<>();
        accepted.forEach((domain, counter) -> acceptedByDomain.put(domain, count(counter)));
        Map<RejectReason, Long> rejectedByReason = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            rejectedByReason.put(reason, rejections(reason));
        }
        long acceptedTotal = acceptedByDomain.values().stream().mapToLong(Long::longValue).sum();
        return new CoordinatorStats(version, version - startVersion, acceptedTotal, rejectedByReason,
                acceptedByDomain, count(broadcasts), count(failedBroadcasts), count(roundTimeouts));
    }

    private long count(Counter counter) {
        return Math.round(counter.count() - baseline.get(counter));
    }
}
