package dev.metareward.metrics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Records every meter of the catalogue once with known values, and says which tags each one got. */
final class EveryMeterRecorder {

    static final String DOMAIN = "books";

    private EveryMeterRecorder() {
    }

    /** Records each catalogue meter; returns the meter-specific tags each one was recorded with. */
    static Map<MeterCatalogue, Map<String, String>> recordEveryMeter(TrainerMeters meters) {
        Map<MeterCatalogue, Map<String, String>> tags = new LinkedHashMap<>();
        Map<String, String> domain = Map.of(TagKeys.DOMAIN, DOMAIN);

        meters.innerStep(DOMAIN).record(Duration.ofMillis(250));
        tags.put(MeterCatalogue.INNER_STEP, domain);
        meters.metaStep(DOMAIN).record(Duration.ofSeconds(3));
        tags.put(MeterCatalogue.META_STEP, domain);
        meters.hypergradient(DOMAIN).record(Duration.ofMillis(1500));
        tags.put(MeterCatalogue.HYPERGRADIENT, domain);
        meters.setOuterLoss(DOMAIN, 0.6931);
        tags.put(MeterCatalogue.OUTER_LOSS, domain);
        meters.hypergradientNorm(DOMAIN).record(2.5);
        tags.put(MeterCatalogue.HYPERGRADIENT_NORM, domain);
        meters.raisePhiVersion(17);
        tags.put(MeterCatalogue.PHI_VERSION, Map.of());
        meters.contributionsAccepted(DOMAIN).increment(5);
        tags.put(MeterCatalogue.CONTRIBUTIONS_ACCEPTED, domain);
        meters.contributionsRejected(RejectReason.NON_FINITE).increment(2);
        tags.put(MeterCatalogue.CONTRIBUTIONS_REJECTED, Map.of(TagKeys.REASON, "non-finite"));
        meters.contributionStaleness().record(1);
        tags.put(MeterCatalogue.CONTRIBUTION_STALENESS, Map.of());
        meters.optimizerRefusedSteps().increment();
        tags.put(MeterCatalogue.OPTIMIZER_REFUSED_STEPS, Map.of());
        meters.rewardClamps(DOMAIN).increment(3);
        tags.put(MeterCatalogue.REWARD_CLAMPS, domain);
        meters.setEvaluatorPlAccuracy("kitchen", 0.75);
        tags.put(MeterCatalogue.EVALUATOR_PL_ACCURACY, Map.of(TagKeys.DOMAIN, "kitchen"));
        meters.setEvaluatorLag(2);
        tags.put(MeterCatalogue.EVALUATOR_LAG, Map.of());
        meters.dataBadLinesSkipped("pref.jsonl").increment(4);
        tags.put(MeterCatalogue.DATA_BAD_LINES_SKIPPED, Map.of(TagKeys.FILE, "pref.jsonl"));
        meters.registerCounter(MeterCatalogue.DATA_TRUNCATED_SAMPLES, new long[] {6}, a -> a[0], "prompt");
        tags.put(MeterCatalogue.DATA_TRUNCATED_SAMPLES, Map.of(TagKeys.PART, "prompt"));
        meters.tokensProcessed(DOMAIN).increment(1234);
        tags.put(MeterCatalogue.TOKENS_PROCESSED, domain);
        meters.checkpointWrites(CheckpointOutcome.FAILED).increment();
        tags.put(MeterCatalogue.CHECKPOINT_WRITES, Map.of(TagKeys.OUTCOME, "failed"));
        meters.phiUpdates().increment(3);
        tags.put(MeterCatalogue.PHI_UPDATES, Map.of());
        meters.phiBroadcasts(true).increment(4);
        tags.put(MeterCatalogue.PHI_BROADCASTS, Map.of(TagKeys.RESULT, "accepted"));
        meters.roundTimeouts().increment();
        tags.put(MeterCatalogue.ROUND_TIMEOUTS, Map.of());
        meters.restartCheckpointAge();
        tags.put(MeterCatalogue.CHECKPOINT_AGE, Map.of());
        meters.setRewardWeights(DOMAIN, 1.1, 3.5);
        tags.put(MeterCatalogue.REWARD_WEIGHT_MEAN, domain);
        tags.put(MeterCatalogue.REWARD_WEIGHT_ESS, domain);
        long[] dataPlane = {5, 4096, 1, 2, 1, 1};
        meters.registerCounter(MeterCatalogue.DATA_PLANE_FRAMES, dataPlane, a -> a[0], "sent");
        tags.put(MeterCatalogue.DATA_PLANE_FRAMES, Map.of(TagKeys.DIRECTION, "sent"));
        meters.registerCounter(MeterCatalogue.DATA_PLANE_BYTES, dataPlane, a -> a[1], "received");
        tags.put(MeterCatalogue.DATA_PLANE_BYTES, Map.of(TagKeys.DIRECTION, "received"));
        meters.registerCounter(MeterCatalogue.AERON_OFFER_REFUSALS, dataPlane, a -> a[2],
                OfferRefusal.BACK_PRESSURED.tagValue());
        tags.put(MeterCatalogue.AERON_OFFER_REFUSALS, Map.of(TagKeys.RESULT, "back-pressured"));
        meters.registerCounter(MeterCatalogue.DATA_PLANE_ABANDONED_SENDS, dataPlane, a -> a[3]);
        tags.put(MeterCatalogue.DATA_PLANE_ABANDONED_SENDS, Map.of());
        meters.registerCounter(MeterCatalogue.DATA_PLANE_DROPS, dataPlane, a -> a[4], "bad-hmac");
        tags.put(MeterCatalogue.DATA_PLANE_DROPS, Map.of(TagKeys.REASON, "bad-hmac"));
        meters.registerCounter(MeterCatalogue.DATA_PLANE_REASSEMBLY_FAILURES, dataPlane, a -> a[5]);
        tags.put(MeterCatalogue.DATA_PLANE_REASSEMBLY_FAILURES, Map.of());
        meters.registerGauge(MeterCatalogue.JAVACPP_PHYSICAL_BYTES, () -> 123_456_789L);
        tags.put(MeterCatalogue.JAVACPP_PHYSICAL_BYTES, Map.of());
        meters.registerGauge(MeterCatalogue.JAVACPP_TOTAL_BYTES, () -> 23_456_789L);
        tags.put(MeterCatalogue.JAVACPP_TOTAL_BYTES, Map.of());
        return tags;
    }
}
