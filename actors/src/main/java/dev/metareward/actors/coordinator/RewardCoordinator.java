package dev.metareward.actors.coordinator;

import dev.metareward.actors.CborSerializable;
import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.actors.checkpoint.CheckpointStore;
import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.actors.transport.Transport;
import dev.metareward.metrics.RejectReason;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import dev.metareward.tensors.bilevel.OuterRound;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Owns phi, its version and the {@link OuterOptimizer}. Contributions reach it through a back-pressured stream
 * ({@link ContributionIntake}) as {@link Offer}s, one at a time; each is checked by the {@link ContributionValidator}
 * (run id, domain, shape, checksum, finite values, staleness, duplicates) and either rejected and counted or used as
 * the run's {@link AggregationPolicy} says:
 *
 * <ul>
 *   <li>sync: one contribution per training domain at the current version; when all are in, one
 *   {@link OuterRound} (the same function the single-process {@code MetaTrainer} uses) applies their mean;</li>
 *   <li>async: applied on arrival when its staleness s = version - phiVersion is at most S, with the step scaled by
 *   1/(1+s) when training.staleness-scaling is on.</li>
 * </ul>
 *
 * <p>After each applied update the version goes up by one, phi is broadcast through the transport (the workers and
 * the evaluator subscribe to it; the broadcast of the target version awaits no domain and is there for the
 * evaluator) and checkpointed every training.checkpoint-every updates. Nothing but an accepted update touches phi, and {@link OuterOptimizer#step} leaves it bit-for-bit
 * unchanged when it refuses a non-finite step. A round without an update for timeouts.contribution is logged and
 * phi is re-broadcast to the missing domains; after {@link #MAX_SILENT_ROUNDS} such rounds in a row the run fails.
 */
public final class RewardCoordinator extends AbstractBehavior<RewardCoordinator.Command> {

    /** Dispatcher (actors' reference.conf) giving the coordinator its own thread (checkpoint I/O, optimizer). */
    public static final String DISPATCHER = "metareward-actors.coordinator-dispatcher";

    /** Rounds of timeouts.contribution without any update after which the coordinator reports the run as stuck. */
    public static final int MAX_SILENT_ROUNDS = 3;

    private static final Object ROUND_TIMER = "round";

    /** Messages of the coordinator. */
    public sealed interface Command permits Offer, RegisterWorker, GetStats, GetPhi, Finish, RoundTimedOut {
    }

    /** A contribution from the intake stream; the reply releases the stream's next element. */
    public record Offer(ContributionFrame frame, ActorRef<OfferOutcome> replyTo) implements Command {
    }

    /** Reply to {@link Offer}: empty rejection when the contribution was accepted. */
    public record OfferOutcome(Optional<RejectReason> rejection) {
    }

    /**
     * Sent by a domain worker when it starts or restarts, possibly on another node than the one it ran on before. The
     * reply says where the domain's data resumes; then, when the aggregation policy still waits for this domain's
     * contribution at the current version (sync: none buffered for the round yet; async: always), the coordinator
     * re-broadcasts phi addressed to it, so the worker does not wait for the round timeout.
     */
    public record RegisterWorker(String domain, ActorRef<WorkerRegistered> replyTo)
            implements Command, CborSerializable {
    }

    /**
     * Reply to {@link RegisterWorker}.
     *
     * @param domain the domain registered
     * @param resume the data position after the domain's last accepted contribution and its sequence number; empty
     *               when the domain has no accepted contribution (it starts its data from the beginning) or is not a
     *               training domain of this run (then its contributions will be rejected, see the coordinator's log)
     * @param version the coordinator's current version of phi
     * @param owesContribution true when the coordinator waits for this domain's contribution at {@code version}
     *                         (sync: none buffered from it this round; async: always), so the worker computes as soon
     *                         as it holds phi at that version, whatever the newest broadcast is addressed to
     */
    public record WorkerRegistered(String domain, Optional<DomainResume> resume, long version,
                                   boolean owesContribution) implements CborSerializable {
    }

    /** Asks for the counters. */
    public record GetStats(ActorRef<CoordinatorStats> replyTo) implements Command, CborSerializable {
    }

    /** Asks for a copy of phi and its version. */
    public record GetPhi(ActorRef<PhiSnapshot> replyTo) implements Command {
    }

    /** Ends training: no more updates, a final checkpoint, then the reply. The coordinator keeps answering queries. */
    public record Finish(ActorRef<Finished> replyTo) implements Command {
    }

    /**
     * Reply to {@link Finish}.
     *
     * @param state the final state (phi copy, optimizer state, data positions)
     * @param checkpoint the final checkpoint file, empty when writing it failed (then {@code error} says why)
     * @param stats the counters at the end
     */
    public record Finished(RunState state, Optional<Path> checkpoint, CoordinatorStats stats,
                           Optional<Exception> error) {
    }

    private record RoundTimedOut(long version, long round) implements Command {
    }

    /** What the coordinator tells the run guardian. */
    public sealed interface Event permits TargetReached, Failed {
    }

    /** phi reached the target version (outer.steps updates). */
    public record TargetReached(long version) implements Event {
    }

    /** The run cannot go on (checkpoint not writable, no contributions for too long). */
    public record Failed(String message, Throwable cause) implements Event {
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final CoordinatorSettings settings;
    private final OuterOptimizer optimizer;
    private final INDArray phi;
    private final Transport transport;
    private final CheckpointStore checkpoints;
    private final CoordinatorListener listener;
    private final ActorRef<Event> events;
    private final ContributionIntake intake;
    private final Set<String> domains;
    private final AggregationPolicy policy;
    private final ContributionValidator validator;
    private final long startVersion;

    private long version;
    private final Map<String, ContributionFrame> pending = new LinkedHashMap<>();
    private final Map<String, DomainResume> resume;
    private final CoordinatorMeters meters;
    private long broadcastSequence;
    private long round;
    private int silentRounds;
    private boolean finished;
    private Path lastCheckpoint;

    /**
     * @param initial where to start: phi (copied), version and the domains' resume points
     * @param optimizer the outer optimizer, already restored to {@code initial}'s state when resuming (see
     *                  {@link CoordinatorStart})
     * @param transport contributions come from it, phi goes out through it
     * @param checkpoints where phi is checkpointed
     * @param listener observes updates, rejections and checkpoints
     * @param meters this node's meters: the coordinator's counters live there (see {@link GetStats})
     * @param events receives {@link TargetReached} and {@link Failed}
     */
    public static Behavior<Command> create(CoordinatorSettings settings, RunState initial, OuterOptimizer optimizer,
                                           Transport transport, CheckpointStore checkpoints,
                                           CoordinatorListener listener, TrainerMeters meters,
                                           ActorRef<Event> events) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new RewardCoordinator(context, timers,
                settings, initial, optimizer, transport, checkpoints, listener, meters, events)));
    }

    /** The dispatcher selector to spawn the coordinator with. */
    public static DispatcherSelector dispatcher() {
        return DispatcherSelector.fromConfig(DISPATCHER);
    }

    private RewardCoordinator(ActorContext<Command> context, TimerScheduler<Command> timers,
                              CoordinatorSettings settings, RunState initial, OuterOptimizer optimizer,
                              Transport transport, CheckpointStore checkpoints, CoordinatorListener listener,
                              TrainerMeters meters, ActorRef<Event> events) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.settings = settings;
        this.optimizer = optimizer;
        this.phi = initial.phi().dup();
        this.version = initial.version();
        this.startVersion = initial.version();
        // Workers drop a broadcast whose sequence is not above the newest they hold. A coordinator restarted from a
        // checkpoint (on another node, after its node was lost) must therefore start above every sequence of its
        // predecessor: wall-clock microseconds do, as long as fewer than a thousand broadcasts per millisecond were
        // made and the nodes' clocks differ by less than a fail-over takes (seconds).
        this.broadcastSequence = System.currentTimeMillis() * 1_000L;
        this.transport = transport;
        this.checkpoints = checkpoints;
        this.listener = listener;
        this.events = events;
        this.domains = new LinkedHashSet<>(settings.trainingDomains());
        this.policy = settings.policy();
        this.validator = new ContributionValidator(settings.runId(), settings.trainingDomains(), policy);
        this.resume = new HashMap<>(initial.domains());
        this.meters = new CoordinatorMeters(meters, settings.trainingDomains(), version);
        this.intake = ContributionIntake.start(context.getSystem(), transport, context.getSelf(),
                settings.timeouts().ask(), Math.max(4, 2 * settings.trainingDomains().size()));
        context.getLog().info("reward coordinator of run '{}' started at version {} (target {}, {} mode, {} training "
                        + "domain(s), |phi| = {})", settings.runId(), version, settings.targetVersion(),
                policy.name(), domains.size(), phi.length());
        if (version >= settings.targetVersion()) {
            finished = true;
            broadcast(Set.of()); // for the evaluator: the final phi, wanted by no worker
            events.tell(new TargetReached(version));
        } else {
            broadcast(policy.awaitedDomains(domains));
            startRound();
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Offer.class, this::onOffer)
                .onMessage(RegisterWorker.class, this::onRegisterWorker)
                .onMessage(GetStats.class, m -> {
                    m.replyTo().tell(stats());
                    return this;
                })
                .onMessage(GetPhi.class, m -> {
                    m.replyTo().tell(new PhiSnapshot(version, phi.dup()));
                    return this;
                })
                .onMessage(Finish.class, this::onFinish)
                .onMessage(RoundTimedOut.class, this::onRoundTimedOut)
                .onSignal(PostStop.class, signal -> {
                    intake.close();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onOffer(Offer offer) {
        ContributionFrame frame = offer.frame();
        Optional<Rejection> rejection = validator.validate(frame, new ContributionValidator.View(finished, version,
                phi.length(), phi.dataType(), resume, pending.keySet()));
        if (rejection.isPresent()) {
            reject(frame, rejection.get().reason(), rejection.get().detail());
            offer.replyTo().tell(new OfferOutcome(Optional.of(rejection.get().reason())));
            return this;
        }
        meters.accepted(frame.domain(), version - frame.phiVersion(), frame.outerLoss());
        resume.put(frame.domain(), new DomainResume(frame.dataPosition(), frame.sequence()));
        offer.replyTo().tell(new OfferOutcome(Optional.empty()));
        if (policy.buffersUntilAllDomainsIn()) {
            pending.put(frame.domain(), frame);
            if (pending.size() == domains.size()) {
                applyRound();
            }
        } else {
            applyOnArrival(frame);
        }
        return this;
    }

    private Behavior<Command> onRegisterWorker(RegisterWorker registration) {
        String domain = registration.domain();
        if (!domains.contains(domain)) {
            context.getLog().warn("a worker registered for '{}', which is not a training domain of run '{}' {}; its "
                    + "contributions will be rejected", domain, settings.runId(), domains);
            registration.replyTo().tell(new WorkerRegistered(domain, Optional.empty(), version, false));
            return this;
        }
        DomainResume last = resume.get(domain);
        boolean waiting = !finished && policy.waitsFor(domain, pending.keySet());
        registration.replyTo().tell(new WorkerRegistered(domain, Optional.ofNullable(last), version, waiting));
        context.getLog().info("worker of '{}' registered at version {} (last accepted sequence {}){}", domain, version,
                last == null ? "none" : last.lastSequence(), waiting ? "; re-sending phi to it" : "");
        if (waiting) {
            // Addressed to no domain: the reply told this worker it owes a contribution; asking again here would make
            // workers that already computed this round compute twice (and move their data on).
            broadcast(Set.of());
        }
        return this;
    }

    /** Training domains with no contribution buffered in the current round, in domain order. */
    private Set<String> missingDomains() {
        Set<String> missing = new LinkedHashSet<>(domains);
        missing.removeAll(pending.keySet());
        return missing;
    }

    private void reject(ContributionFrame frame, RejectReason reason, String detail) {
        meters.rejected(reason);
        if (reason == RejectReason.TOO_STALE || reason == RejectReason.RUN_FINISHED) {
            // Expected in async mode and at the end of a run: counted, not worth a warning each.
            context.getLog().debug("rejected contribution {}: {} ({}); {} rejected for this reason so far", frame,
                    reason, detail, meters.rejections(reason));
        } else {
            context.getLog().warn("rejected contribution {}: {} ({}); {} rejected for this reason so far", frame,
                    reason, detail, meters.rejections(reason));
        }
        listener.onRejected(new CoordinatorListener.RejectionEvent(frame.domain(), frame.phiVersion(),
                frame.sequence(), reason, detail));
    }

    /** Applies the buffered round: its frames in the configured domain order, averaged by {@link OuterRound}. */
    private void applyRound() {
        List<ContributionFrame> round = domains.stream().map(pending::get).toList();
        pending.clear();
        if (OuterRound.apply(optimizer, phi, round.stream().map(ContributionFrame::vector).toList()).applied()) {
            afterUpdate(round, 0);
        } else {
            refused(round);
            broadcast(policy.awaitedDomains(domains));
            startRound();
        }
    }

    private void applyOnArrival(ContributionFrame frame) {
        long staleness = version - frame.phiVersion();
        if (optimizer.step(phi, frame.vector(), policy.stepScale(staleness))) {
            afterUpdate(List.of(frame), staleness);
        } else {
            refused(List.of(frame));
        }
    }

    private void refused(List<ContributionFrame> frames) {
        meters.rejected(RejectReason.OPTIMIZER_REFUSED);
        context.getLog().warn("outer optimizer refused a non-finite step from {}; phi stays at version {}", frames,
                version);
        for (ContributionFrame frame : frames) {
            listener.onRejected(new CoordinatorListener.RejectionEvent(frame.domain(), frame.phiVersion(),
                    frame.sequence(), RejectReason.OPTIMIZER_REFUSED, "non-finite step"));
        }
    }

    private void afterUpdate(List<ContributionFrame> frames, long maxStaleness) {
        version++;
        meters.updated(version);
        silentRounds = 0;
        double meanLoss = frames.stream().mapToDouble(ContributionFrame::outerLoss).average().orElse(Double.NaN);
        context.getLog().info("phi version {} (from {}, mean loss_PL {})", version,
                frames.stream().map(f -> f.domain() + "@" + f.phiVersion()).toList(), meanLoss);
        listener.onUpdate(new CoordinatorListener.UpdateEvent(version, frames.stream()
                .map(f -> new CoordinatorListener.ContributionSummary(f.domain(), f.phiVersion(), f.sequence(),
                        f.outerLoss(), f.pairs())).toList(), meanLoss, maxStaleness));
        boolean reached = version >= settings.targetVersion();
        if (reached) {
            finished = true;
            timers.cancel(ROUND_TIMER);
        }
        // The final broadcast awaits no domain: no worker computes with it, the evaluator takes it.
        broadcast(reached ? Set.of() : policy.awaitedDomains(domains));
        if (version % settings.training().checkpointEvery() == 0 && !reached) {
            checkpoint();
        }
        if (reached) {
            context.getLog().info("phi reached the target version {}", version);
            events.tell(new TargetReached(version));
        } else {
            startRound();
        }
    }

    /** Publishes a snapshot of phi (read only from now on) to the workers and the evaluator. */
    private void broadcast(Set<String> awaited) {
        INDArray snapshot = phi.dup();
        PhiFrame frame = PhiFrame.of(settings.runId(), version, ++broadcastSequence, awaited, snapshot);
        PublishResult result = transport.publishPhi(frame);
        meters.broadcast(result == PublishResult.ACCEPTED);
        if (result != PublishResult.ACCEPTED) {
            context.getLog().warn("broadcast of phi version {} not accepted by the transport: {}; the round timeout "
                    + "({}) re-broadcasts", version, result, settings.timeouts().contribution());
        }
    }

    private void startRound() {
        round++;
        timers.startSingleTimer(ROUND_TIMER, new RoundTimedOut(version, round), settings.timeouts().contribution());
    }

    private Behavior<Command> onRoundTimedOut(RoundTimedOut timeout) {
        if (finished || timeout.round() != round) {
            return this;
        }
        meters.roundTimedOut();
        silentRounds++;
        Set<String> awaited = policy.awaitedDomains(missingDomains());
        String waitingFor = awaited.isEmpty() ? "no usable contribution arrived"
                : "still missing contributions of " + awaited;
        if (silentRounds >= MAX_SILENT_ROUNDS) {
            String message = "no update of phi for " + silentRounds + " x " + settings.timeouts().contribution()
                    + " (timeouts.contribution) at version " + version + "; " + waitingFor
                    + "; check the logs of those domain workers";
            context.getLog().error(message);
            events.tell(new Failed(message, null));
            return this;
        }
        context.getLog().warn("no update of phi within {} (timeouts.contribution) at version {}; {}; re-broadcasting "
                        + "phi ({} of {} before the run fails)", settings.timeouts().contribution(), version,
                waitingFor, silentRounds, MAX_SILENT_ROUNDS);
        broadcast(awaited);
        startRound();
        return this;
    }

    private Behavior<Command> onFinish(Finish finish) {
        finished = true;
        timers.cancel(ROUND_TIMER);
        Optional<Exception> error = Optional.empty();
        try {
            lastCheckpoint = checkpoints.save(state());
            meters.checkpoint(true);
            listener.onCheckpoint(lastCheckpoint, version);
            context.getLog().info("final checkpoint at version {}: {}", version, lastCheckpoint);
        } catch (IOException | RuntimeException e) {
            meters.checkpoint(false);
            context.getLog().error("could not write the final checkpoint at version {}: {}", version, e.toString());
            error = Optional.of(e);
        }
        finish.replyTo().tell(new Finished(state(), error.isEmpty() ? Optional.of(lastCheckpoint) : Optional.empty(),
                stats(), error));
        return this;
    }

    private void checkpoint() {
        try {
            lastCheckpoint = checkpoints.save(state());
            meters.checkpoint(true);
            context.getLog().info("checkpoint at version {}: {}", version, lastCheckpoint);
            listener.onCheckpoint(lastCheckpoint, version);
        } catch (IOException | RuntimeException e) {
            meters.checkpoint(false);
            String message = "could not write the checkpoint of phi version " + version + ": " + e.getMessage()
                    + "; check free space and permissions of the checkpoint directory";
            context.getLog().error(message);
            events.tell(new Failed(message, e));
        }
    }

    private RunState state() {
        return new RunState(settings.runId(), version, phi.dup(), optimizer.state(), resume);
    }

    private CoordinatorStats stats() {
        return meters.stats(version, startVersion);
    }
}
