package dev.metareward.actors.aggregation;

import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.config.TrainingSettings;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * How contributions of the domain workers become updates of phi: everything training.mode decides, so that the
 * coordinator and the workers ask this object instead of switching on the mode. Built once from
 * {@link TrainingSettings} by {@link #from}, the only place that reads training.mode.
 *
 * <ul>
 *   <li>{@link Sync}: Algorithm 1 exactly. Each training domain contributes once per version, computed with the
 *   current phi; contributions are buffered until every domain is in, then their mean is applied
 *   ({@code OuterRound}). A phi broadcast names the domains it waits for.</li>
 *   <li>{@link Async}: each contribution is applied on arrival when its staleness is at most S, its step scaled by
 *   1/(1+s) when staleness scaling is on. Workers always continue with the newest phi they hold.</li>
 * </ul>
 */
public sealed interface AggregationPolicy permits AggregationPolicy.Sync, AggregationPolicy.Async {

    /** The policy training.mode selects, with its staleness settings. */
    static AggregationPolicy from(TrainingSettings training) {
        return training.mode() == TrainingSettings.Mode.SYNC
                ? new Sync()
                : new Async(training.stalenessBound(), training.stalenessScaling());
    }

    /** The largest accepted staleness (coordinator version minus the version a contribution was computed at). */
    long stalenessBound();

    /** Where {@link #stalenessBound()} comes from, for the sentence of a rejection. */
    String stalenessBoundSource();

    /**
     * True when accepted contributions wait for the other domains of the round and are applied together; false when
     * each is applied at once with {@link #stepScale}.
     */
    boolean buffersUntilAllDomainsIn();

    /** Scale of the learning rate for one contribution applied on arrival with the given staleness. */
    double stepScale(long staleness);

    /**
     * The domains a broadcast of phi asks to compute, out of {@code candidates} (the domains that still owe this
     * version a contribution). Empty means "no one in particular": async workers go on with any newer phi.
     */
    Set<String> awaitedDomains(Collection<String> candidates);

    /**
     * Whether the coordinator still wants a contribution of {@code domain} at its current version, given the domains
     * already buffered for it; decides whether a (re)registering worker gets phi re-broadcast at once.
     */
    boolean waitsFor(String domain, Set<String> buffered);

    /**
     * The worker's rule: should a worker of {@code domain} compute a contribution with {@code newest} now?
     *
     * @param lastComputedSequence broadcast sequence of the phi its previous contribution used (-1 before the first)
     */
    boolean shouldCompute(String domain, PhiFrame newest, long lastComputedSequence);

    /** Short name for logs ("sync" / "async"). */
    String name();

    /** Sync aggregation: one contribution per domain per version, averaged. */
    record Sync() implements AggregationPolicy {

        @Override
        public long stalenessBound() {
            return 0;
        }

        @Override
        public String stalenessBoundSource() {
            return "sync mode";
        }

        @Override
        public boolean buffersUntilAllDomainsIn() {
            return true;
        }

        @Override
        public double stepScale(long staleness) {
            return 1.0;
        }

        @Override
        public Set<String> awaitedDomains(Collection<String> candidates) {
            return new LinkedHashSet<>(candidates);
        }

        @Override
        public boolean waitsFor(String domain, Set<String> buffered) {
            return !buffered.contains(domain);
        }

        @Override
        public boolean shouldCompute(String domain, PhiFrame newest, long lastComputedSequence) {
            // A re-broadcast of the same version to other domains must not make this one compute twice.
            return newest.sequence() != lastComputedSequence && newest.awaitedDomains().contains(domain);
        }

        @Override
        public String name() {
            return "sync";
        }
    }

    /**
     * Async aggregation with bounded staleness.
     *
     * @param stalenessBound S, training.staleness-bound
     * @param stalenessScaling whether a contribution's step is scaled by 1/(1+s), training.staleness-scaling
     */
    record Async(long stalenessBound, boolean stalenessScaling) implements AggregationPolicy {

        public Async {
            if (stalenessBound < 0) {
                throw new IllegalArgumentException("the staleness bound must be >= 0 but was " + stalenessBound);
            }
        }

        @Override
        public String stalenessBoundSource() {
            return "training.staleness-bound";
        }

        @Override
        public boolean buffersUntilAllDomainsIn() {
            return false;
        }

        @Override
        public double stepScale(long staleness) {
            return stalenessScaling ? 1.0 / (1 + staleness) : 1.0;
        }

        @Override
        public Set<String> awaitedDomains(Collection<String> candidates) {
            return Set.of();
        }

        @Override
        public boolean waitsFor(String domain, Set<String> buffered) {
            return true;
        }

        @Override
        public boolean shouldCompute(String domain, PhiFrame newest, long lastComputedSequence) {
            return true;
        }

        @Override
        public String name() {
            return "async";
        }
    }
}
