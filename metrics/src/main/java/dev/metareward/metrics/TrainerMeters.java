package dev.metareward.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Typed helpers that record the meters of {@link MeterCatalogue} in a registry, so that callers never spell a meter
 * name or tag key. Methods returning a meter look it up on every call: in a hot loop, keep the returned meter.
 * Thread-safe.
 */
public final class TrainerMeters {

    // Explicit histogram buckets keep each timer at ~20 series per domain (Micrometer's percentile histogram
    // would export ~95 per timer and ~276 per distribution) while still covering 1 ms GPU steps to 30 min CPU steps.
    private static final Duration[] DURATION_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
        Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30)};
    // Hypergradient norms span orders of magnitude, mostly below 1 once training settles: a log scale.
    private static final double[] NORM_BUCKETS = {1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10, 30, 100, 1e3, 1e4};
    // Staleness is a small integer bounded by training.staleness-bound; one bucket per value keeps it readable.
    // Micrometer accepts only positive bucket bounds, so le=0.5 is the bucket of fresh (staleness 0) contributions.
    private static final double[] STALENESS_BUCKETS = {0.5, 1, 2, 3, 4, 5, 6, 8, 12, 16};

    private final MeterRegistry registry;
    private final ConcurrentMap<GaugeKey, GaugeValue> gauges = new ConcurrentHashMap<>();
    private final List<Object> counterSources = new CopyOnWriteArrayList<>();
    private final AtomicLong phiVersion = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong checkpointAgeFrom = new AtomicLong();
    private final AtomicBoolean checkpointAgeRegistered = new AtomicBoolean();

    /** Records into {@code registry}; node-wide tags (run, node) are the registry's common tags, see {@link NodeMetrics}. */
    public TrainerMeters(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** {@link MeterCatalogue#INNER_STEP}. */
    public Timer innerStep(String domain) {
        return timer(MeterCatalogue.INNER_STEP, domain(domain));
    }

    /** {@link MeterCatalogue#META_STEP}. */
    public Timer metaStep(String domain) {
        return timer(MeterCatalogue.META_STEP, domain(domain));
    }

    /** {@link MeterCatalogue#HYPERGRADIENT}. */
    public Timer hypergradient(String domain) {
        return timer(MeterCatalogue.HYPERGRADIENT, domain(domain));
    }

    /** {@link MeterCatalogue#OUTER_LOSS}: sets the latest outer loss of {@code domain}. */
    public void setOuterLoss(String domain, double loss) {
        setGauge(MeterCatalogue.OUTER_LOSS, loss, domain(domain));
    }

    /** {@link MeterCatalogue#HYPERGRADIENT_NORM}. */
    public DistributionSummary hypergradientNorm(String domain) {
        return summary(MeterCatalogue.HYPERGRADIENT_NORM, NORM_BUCKETS, domain(domain));
    }

    /**
     * {@link MeterCatalogue#PHI_VERSION}: raises this node's gauge to {@code version} when it is newer. The
     * coordinator, the workers and the evaluator of a node all report the versions they hold; versions only grow.
     */
    public void raisePhiVersion(long version) {
        setGauge(MeterCatalogue.PHI_VERSION, phiVersion.accumulateAndGet(version, Math::max));
    }

    /** {@link MeterCatalogue#CONTRIBUTIONS_ACCEPTED}. */
    public Counter contributionsAccepted(String domain) {
        return counter(MeterCatalogue.CONTRIBUTIONS_ACCEPTED, domain(domain));
    }

    /** {@link MeterCatalogue#CONTRIBUTIONS_REJECTED}. */
    public Counter contributionsRejected(RejectReason reason) {
        return counter(MeterCatalogue.CONTRIBUTIONS_REJECTED, reason.tagValue());
    }

    /** {@link MeterCatalogue#CONTRIBUTION_STALENESS}: record {@code currentVersion - contributionVersion}. */
    public DistributionSummary contributionStaleness() {
        return summary(MeterCatalogue.CONTRIBUTION_STALENESS, STALENESS_BUCKETS);
    }

    /** {@link MeterCatalogue#OPTIMIZER_REFUSED_STEPS}. */
    public Counter optimizerRefusedSteps() {
        return counter(MeterCatalogue.OPTIMIZER_REFUSED_STEPS);
    }

    /** {@link MeterCatalogue#REWARD_CLAMPS}. */
    public Counter rewardClamps(String domain) {
        return counter(MeterCatalogue.REWARD_CLAMPS, domain(domain));
    }

    /** {@link MeterCatalogue#EVALUATOR_PL_ACCURACY}: sets the latest PL accuracy (0 to 1) on a held-out domain. */
    public void setEvaluatorPlAccuracy(String domain, double accuracy) {
        if (!(accuracy >= 0 && accuracy <= 1)) {
            throw new IllegalArgumentException("PL accuracy of domain \"" + domain + "\" must be in [0, 1] but was "
                    + accuracy + ".");
        }
        setGauge(MeterCatalogue.EVALUATOR_PL_ACCURACY, accuracy, domain(domain));
    }

    /** {@link MeterCatalogue#EVALUATOR_LAG}. */
    public void setEvaluatorLag(long versions) {
        setGauge(MeterCatalogue.EVALUATOR_LAG, versions);
    }

    /** {@link MeterCatalogue#DATA_BAD_LINES_SKIPPED}; {@code fileName} is the file's name without its folder. */
    public Counter dataBadLinesSkipped(String fileName) {
        return counter(MeterCatalogue.DATA_BAD_LINES_SKIPPED, nonBlank("file", fileName));
    }

    /** {@link MeterCatalogue#TOKENS_PROCESSED}. */
    public Counter tokensProcessed(String domain) {
        return counter(MeterCatalogue.TOKENS_PROCESSED, domain(domain));
    }

    /** {@link MeterCatalogue#CHECKPOINT_WRITES}. */
    public Counter checkpointWrites(CheckpointOutcome outcome) {
        return counter(MeterCatalogue.CHECKPOINT_WRITES, outcome.tagValue());
    }

    /** {@link MeterCatalogue#PHI_UPDATES}. */
    public Counter phiUpdates() {
        return counter(MeterCatalogue.PHI_UPDATES);
    }

    /** {@link MeterCatalogue#PHI_BROADCASTS}: {@code accepted} or {@code refused} by the transport. */
    public Counter phiBroadcasts(boolean accepted) {
        return counter(MeterCatalogue.PHI_BROADCASTS, accepted ? "accepted" : "refused");
    }

    /** {@link MeterCatalogue#ROUND_TIMEOUTS}. */
    public Counter roundTimeouts() {
        return counter(MeterCatalogue.ROUND_TIMEOUTS);
    }

    /**
     * {@link MeterCatalogue#CHECKPOINT_AGE}: restarts the age at 0 (a coordinator starts, or wrote a checkpoint).
     * The first call registers the gauge; it then counts the seconds since the latest call.
     */
    public void restartCheckpointAge() {
        checkpointAgeFrom.set(System.nanoTime());
        if (checkpointAgeRegistered.compareAndSet(false, true)) {
            registerGauge(MeterCatalogue.CHECKPOINT_AGE, () -> (System.nanoTime() - checkpointAgeFrom.get()) / 1e9);
        }
    }

    /** {@link MeterCatalogue#REWARD_WEIGHT_MEAN} and {@link MeterCatalogue#REWARD_WEIGHT_ESS} of a latest inner loop. */
    public void setRewardWeights(String domain, double meanWeight, double effectiveSampleSize) {
        setGauge(MeterCatalogue.REWARD_WEIGHT_MEAN, meanWeight, domain(domain));
        setGauge(MeterCatalogue.REWARD_WEIGHT_ESS, effectiveSampleSize, domain(domain));
    }

    /**
     * Registers a catalogue gauge whose value {@code value} supplies at each scrape (kept strongly: it lives as long
     * as the registry). Registering the same gauge and tags again keeps the first supplier.
     */
    public void registerGauge(MeterCatalogue meter, Supplier<Number> value, String... tagValues) {
        requireKind(meter, MeterCatalogue.Kind.GAUGE);
        Gauge.builder(meter.meterName(), value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags(meter, tagValues))
                .strongReference(true)
                .register(registry);
    }

    /**
     * Registers a catalogue counter whose count {@code count} reads from {@code source} at each scrape, for a
     * component that keeps its own monotonic counts. {@code source} is kept as long as these meters (Micrometer
     * alone would hold it weakly and report NaN once it was collected).
     */
    public <T> void registerCounter(MeterCatalogue meter, T source, ToDoubleFunction<T> count, String... tagValues) {
        requireKind(meter, MeterCatalogue.Kind.COUNTER);
        counterSources.add(source);
        FunctionCounter.builder(meter.meterName(), source, count)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags(meter, tagValues))
                .register(registry);
    }

    private Timer timer(MeterCatalogue meter, String... tagValues) {
        requireKind(meter, MeterCatalogue.Kind.TIMER);
        return Timer.builder(meter.meterName())
                .description(meter.description())
                .tags(tags(meter, tagValues))
                .serviceLevelObjectives(DURATION_BUCKETS)
                .register(registry);
    }

    private DistributionSummary summary(MeterCatalogue meter, double[] buckets, String... tagValues) {
        requireKind(meter, MeterCatalogue.Kind.DISTRIBUTION);
        return DistributionSummary.builder(meter.meterName())
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags(meter, tagValues))
                .serviceLevelObjectives(buckets)
                .register(registry);
    }

    private Counter counter(MeterCatalogue meter, String... tagValues) {
        requireKind(meter, MeterCatalogue.Kind.COUNTER);
        return Counter.builder(meter.meterName())
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags(meter, tagValues))
                .register(registry);
    }

    private void setGauge(MeterCatalogue meter, double value, String... tagValues) {
        requireKind(meter, MeterCatalogue.Kind.GAUGE);
        Tags tags = tags(meter, tagValues);
        gauges.computeIfAbsent(new GaugeKey(meter, tags), key -> {
            GaugeValue holder = new GaugeValue();
            // Micrometer keeps only a weak reference to a gauge's state by default; this map keeps it alive.
            Gauge.builder(meter.meterName(), holder, GaugeValue::get)
                    .description(meter.description())
                    .baseUnit(meter.baseUnit())
                    .tags(tags)
                    .register(registry);
            return holder;
        }).set(value);
    }

    private static Tags tags(MeterCatalogue meter, String... values) {
        List<String> keys = meter.tagKeys();
        if (keys.size() != values.length) {
            throw new IllegalStateException("Meter " + meter + " declares tags " + keys + " but " + values.length
                    + " values were given; fix the helper in TrainerMeters.");
        }
        List<Tag> tags = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            tags.add(Tag.of(keys.get(i), values[i]));
        }
        return Tags.of(tags);
    }

    private static void requireKind(MeterCatalogue meter, MeterCatalogue.Kind kind) {
        if (meter.kind() != kind) {
            throw new IllegalStateException("Meter " + meter + " is a " + meter.kind() + " in MeterCatalogue but was "
                    + "recorded as a " + kind + "; fix the helper in TrainerMeters.");
        }
    }

    private static String domain(String domain) {
        return nonBlank("domain", domain);
    }

    private static String nonBlank(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("The " + what + " tag of a metareward meter must be a non-empty name "
                    + "but was " + (value == null ? "null" : "\"" + value + "\"") + ".");
        }
        return value;
    }

    private record GaugeKey(MeterCatalogue meter, Tags tags) {
    }

    /** Latest value of one gauge; written by recording threads, read by the scraping thread. */
    private static final class GaugeValue {
        private volatile double value;

        double get() {
            return value;
        }

        void set(double newValue) {
            value = newValue;
        }
    }
}
