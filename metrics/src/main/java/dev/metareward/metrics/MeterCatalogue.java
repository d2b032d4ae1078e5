package dev.metareward.metrics;

import java.util.List;

/**
 * The one catalogue of metareward meters: what each one measures, its Micrometer name, its kind, its tags and the
 * name under which Prometheus stores it (the name to use in PromQL and Grafana). Every node also adds the tags
 * {@value TagKeys#RUN} and {@value TagKeys#NODE}; Prometheus adds {@code job} and {@code instance}.
 *
 * <p>Series exported per kind: a {@link Kind#COUNTER} is one series {@link #prometheusName()} (ending in
 * {@code _total}); a {@link Kind#GAUGE} is one series; a {@link Kind#TIMER} (seconds) and a
 * {@link Kind#DISTRIBUTION} have {@code <name>_count}, {@code <name>_sum}, {@code <name>_max} and
 * {@code <name>_bucket} (histogram buckets, label {@code le}).
 */
public enum MeterCatalogue {
    /** Wall time of one inner SGD step of the policy (one of D per outer step) on a domain worker. */
    INNER_STEP("metareward.inner.step", Kind.TIMER, null, "metareward_inner_step_seconds", List.of(TagKeys.DOMAIN),
            "Wall time of one inner SGD step of the policy on a domain worker."),
    /** Wall time of one whole outer step of a domain worker: D inner steps, outer loss and hypergradient. */
    META_STEP("metareward.meta.step", Kind.TIMER, null, "metareward_meta_step_seconds", List.of(TagKeys.DOMAIN),
            "Wall time of one outer (meta) step of a domain worker: inner loop, outer loss and hypergradient."),
    /** Wall time of the hypergradient computation alone (the backward pass through the inner loop). */
    HYPERGRADIENT("metareward.hypergradient", Kind.TIMER, null, "metareward_hypergradient_seconds",
            List.of(TagKeys.DOMAIN), "Wall time of one hypergradient computation of a domain worker."),
    /** Outer loss of the latest contribution the coordinator accepted from a domain (loss_PL of its pairs). */
    OUTER_LOSS("metareward.outer.loss", Kind.GAUGE, null, "metareward_outer_loss", List.of(TagKeys.DOMAIN),
            "Outer loss of the latest accepted contribution of a training domain."),
    /** L2 norm of each hypergradient contribution, before clipping. */
    HYPERGRADIENT_NORM("metareward.hypergradient.norm", Kind.DISTRIBUTION, null, "metareward_hypergradient_norm",
            List.of(TagKeys.DOMAIN), "L2 norm of each hypergradient contribution before clipping."),
    /** Newest version of phi this node holds (its coordinator's, workers' or evaluator's; the coordinator's leads). */
    PHI_VERSION("metareward.phi.version", Kind.GAUGE, null, "metareward_phi_version", List.of(),
            "Newest version of the reward model parameters phi held on this node."),
    /** Contributions the coordinator accepted and applied (or averaged into a round). */
    CONTRIBUTIONS_ACCEPTED("metareward.contributions.accepted", Kind.COUNTER, null,
            "metareward_contributions_accepted_total", List.of(TagKeys.DOMAIN),
            "Hypergradient contributions accepted by the coordinator."),
    /** Contributions the coordinator rejected, by {@link RejectReason}. */
    CONTRIBUTIONS_REJECTED("metareward.contributions.rejected", Kind.COUNTER, null,
            "metareward_contributions_rejected_total", List.of(TagKeys.REASON),
            "Hypergradient contributions rejected by the coordinator, by reason."),
    /** Staleness of each accepted contribution: current phi version minus the version it was computed at. */
    CONTRIBUTION_STALENESS("metareward.contribution.staleness", Kind.DISTRIBUTION, "versions",
            "metareward_contribution_staleness_versions", List.of(),
            "Staleness of each accepted contribution in phi versions."),
    /** Optimizer steps refused because the update was not finite (their contributions count as rejected too). */
    OPTIMIZER_REFUSED_STEPS("metareward.optimizer.refused.steps", Kind.COUNTER, null,
            "metareward_optimizer_refused_steps_total", List.of(),
            "Outer optimizer steps refused because the update was not finite."),
    /** Rewards r/beta clamped to [-c, c] before exponentiation (inner.reward-clamp). */
    REWARD_CLAMPS("metareward.reward.clamps", Kind.COUNTER, null, "metareward_reward_clamps_total",
            List.of(TagKeys.DOMAIN), "Reward values r/beta clamped before exp() in the inner loss."),
    /** Latest preference-likelihood (PL) accuracy of the evaluator's meta-test on a held-out domain. */
    EVALUATOR_PL_ACCURACY("metareward.evaluator.pl.accuracy", Kind.GAUGE, null, "metareward_evaluator_pl_accuracy",
            List.of(TagKeys.DOMAIN), "Latest PL accuracy of the evaluator on a held-out domain (0 to 1)."),
    /** How many phi versions the evaluated phi is behind the newest phi the evaluator has seen. */
    EVALUATOR_LAG("metareward.evaluator.lag", Kind.GAUGE, "versions", "metareward_evaluator_lag_versions", List.of(),
            "Phi versions between the newest phi and the one the evaluator last evaluated."),
    /** Malformed JSONL lines skipped (data.on-bad-line = "skip"). */
    DATA_BAD_LINES_SKIPPED("metareward.data.bad.lines.skipped", Kind.COUNTER, null,
            "metareward_data_bad_lines_skipped_total", List.of(TagKeys.FILE),
            "Malformed JSONL lines skipped, by file name."),
    /** Sequences the batcher cut to fit the model context, by {@value TagKeys#PART} ({@code prompt} or {@code response}). */
    DATA_TRUNCATED_SAMPLES("metareward.data.truncated.samples", Kind.COUNTER, null,
            "metareward_data_truncated_samples_total", List.of(TagKeys.PART),
            "Sequences cut to the model context, by the part that lost tokens (prompt or response)."),
    /** Tokens run through the policy or reward model (non-padding positions). */
    TOKENS_PROCESSED("metareward.tokens.processed", Kind.COUNTER, null, "metareward_tokens_processed_total",
            List.of(TagKeys.DOMAIN), "Non-padding tokens processed, by domain."),
    /** Checkpoint writes, by {@link CheckpointOutcome}. */
    CHECKPOINT_WRITES("metareward.checkpoint.writes", Kind.COUNTER, null, "metareward_checkpoint_writes_total",
            List.of(TagKeys.OUTCOME), "Checkpoint writes, by outcome (written or failed)."),
    /** Updates of phi the coordinator applied (its version steps); the rate is the run's outer-step throughput. */
    PHI_UPDATES("metareward.phi.updates", Kind.COUNTER, null, "metareward_phi_updates_total", List.of(),
            "Updates of phi applied by the coordinator on this node."),
    /** Phi broadcasts of the coordinator, by whether the transport took them ({@code accepted} or {@code refused}). */
    PHI_BROADCASTS("metareward.phi.broadcasts", Kind.COUNTER, null, "metareward_phi_broadcasts_total",
            List.of(TagKeys.RESULT), "Phi broadcasts published by the coordinator, by result (accepted or refused)."),
    /** Rounds in which timeouts.contribution passed without an update of phi. */
    ROUND_TIMEOUTS("metareward.round.timeouts", Kind.COUNTER, null, "metareward_round_timeouts_total", List.of(),
            "Coordinator rounds that passed timeouts.contribution without an update of phi."),
    /** Seconds since the coordinator last wrote a checkpoint (since it started, before its first). */
    CHECKPOINT_AGE("metareward.checkpoint.age", Kind.GAUGE, "seconds", "metareward_checkpoint_age_seconds", List.of(),
            "Seconds since the coordinator on this node last wrote a checkpoint (or started, before its first)."),
    /** Mean reward weight R = exp(clamp(r/beta)) over the D * B samples of a worker's latest inner loop. */
    REWARD_WEIGHT_MEAN("metareward.reward.weight.mean", Kind.GAUGE, null, "metareward_reward_weight_mean",
            List.of(TagKeys.DOMAIN), "Mean reward weight R over the samples of the latest inner loop of a domain."),
    /**
     * Effective sample size (sum R)^2 / sum R^2 of an inner batch, averaged over the D steps of a worker's latest
     * inner loop: B when every sample weighs the same, near 1 when one sample dominates the weighted gradient.
     */
    REWARD_WEIGHT_ESS("metareward.reward.weight.ess", Kind.GAUGE, null, "metareward_reward_weight_ess",
            List.of(TagKeys.DOMAIN),
            "Effective sample size of the reward weights per inner batch, mean over the latest inner loop's steps."),
    /** Whole data-plane frames sent or received, by {@value TagKeys#DIRECTION}. */
    DATA_PLANE_FRAMES("metareward.data.plane.frames", Kind.COUNTER, null, "metareward_data_plane_frames_total",
            List.of(TagKeys.DIRECTION), "Data-plane frames handed to Aeron (sent) or delivered verified (received)."),
    /** Data-plane wire bytes sent or received, by {@value TagKeys#DIRECTION}. */
    DATA_PLANE_BYTES("metareward.data.plane", Kind.COUNTER, "bytes", "metareward_data_plane_bytes_total",
            List.of(TagKeys.DIRECTION), "Data-plane wire bytes sent, and read from Aeron (verified or not)."),
    /** Aeron offers the data plane had refused, by {@link OfferRefusal}; each retry counts. */
    AERON_OFFER_REFUSALS("metareward.aeron.offer.refusals", Kind.COUNTER, null,
            "metareward_aeron_offer_refusals_total", List.of(TagKeys.RESULT),
            "Aeron offers of the data plane refused (back-pressured, not-connected, admin-action); retries count."),
    /** Frames given up after some of their fragments were sent (the receiver drops the rest). */
    DATA_PLANE_ABANDONED_SENDS("metareward.data.plane.abandoned.sends", Kind.COUNTER, null,
            "metareward_data_plane_abandoned_sends_total", List.of(),
            "Data-plane frames given up part-way because Aeron kept refusing their fragments."),
    /** Received frames dropped before any handler, by the transport's drop reason. */
    DATA_PLANE_DROPS("metareward.data.plane.drops", Kind.COUNTER, null, "metareward_data_plane_drops_total",
            List.of(TagKeys.REASON), "Received data-plane frames dropped before any handler, by reason."),
    /** Fragmented vectors never completed: a lost fragment, a dead sender, a timeout. */
    DATA_PLANE_REASSEMBLY_FAILURES("metareward.data.plane.reassembly.failures", Kind.COUNTER, null,
            "metareward_data_plane_reassembly_failures_total", List.of(),
            "Fragmented data-plane vectors that were never completed."),
    /** JavaCPP's {@code Pointer.physicalBytes()}: the resident memory of the process (heap and off-heap). */
    JAVACPP_PHYSICAL_BYTES("metareward.javacpp.physical", Kind.GAUGE, "bytes", "metareward_javacpp_physical_bytes",
            List.of(), "Resident physical memory of the process as JavaCPP measures it (Pointer.physicalBytes())."),
    /** JavaCPP's {@code Pointer.totalBytes()}: off-heap memory ND4J holds through JavaCPP. */
    JAVACPP_TOTAL_BYTES("metareward.javacpp.total", Kind.GAUGE, "bytes", "metareward_javacpp_total_bytes", List.of(),
            "Off-heap memory allocated through JavaCPP (ND4J buffers), Pointer.totalBytes().");

    /** How a meter aggregates what it records. */
    public enum Kind {
        /** Durations: count, sum, max and histogram buckets, in seconds. */
        TIMER,
        /** A monotonically increasing count. */
        COUNTER,
        /** The latest value. */
        GAUGE,
        /** Sizes or amounts: count, sum, max and histogram buckets. */
        DISTRIBUTION
    }

    private final String meterName;
    private final Kind kind;
    private final String baseUnit;
    private final String prometheusName;
    private final List<String> tagKeys;
    private final String description;

    MeterCatalogue(String meterName, Kind kind, String baseUnit, String prometheusName, List<String> tagKeys,
                   String description) {
        this.meterName = meterName;
        this.kind = kind;
        this.baseUnit = baseUnit;
        this.prometheusName = prometheusName;
        this.tagKeys = tagKeys;
        this.description = description;
    }

    /** The Micrometer meter name (dot-separated). */
    public String meterName() {
        return meterName;
    }

    public Kind kind() {
        return kind;
    }

    /** The Micrometer base unit, or null when the value has none (timers are always seconds). */
    public String baseUnit() {
        return baseUnit;
    }

    /** The name Prometheus stores: the series of a counter or gauge, the stem of a timer's or distribution's series. */
    public String prometheusName() {
        return prometheusName;
    }

    /** Tag keys of this meter besides the node-wide {@value TagKeys#RUN} and {@value TagKeys#NODE}, in order. */
    public List<String> tagKeys() {
        return tagKeys;
    }

    /** One sentence: what is measured (exported as the Prometheus HELP text). */
    public String description() {
        return description;
    }

    /** Every series name Prometheus stores for this meter (e.g. {@code _count}, {@code _sum}, {@code _max}, {@code _bucket}). */
    public List<String> seriesNames() {
        return switch (kind) {
            case COUNTER, GAUGE -> List.of(prometheusName);
            case TIMER, DISTRIBUTION -> List.of(prometheusName + "_count", prometheusName + "_sum",
                    prometheusName + "_max", prometheusName + "_bucket");
        };
    }
}
