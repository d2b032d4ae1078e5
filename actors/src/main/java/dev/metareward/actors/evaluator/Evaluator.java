package dev.metareward.actors.evaluator;

import dev.metareward.actors.coordinator.PhiSnapshot;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.metrics.TrainerMeters;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates phi snapshots while training goes on. It subscribes to the run's phi broadcasts itself
 * ({@link Transport#subscribePhi}), so it can sit on any node the data plane reaches, and keeps the versions its
 * {@link EvaluatorSettings} select (every training.evaluate-every versions, and the final version). Snapshots flow
 * through a conflating stream
 * ({@code queue -> conflate(keep newest) -> mapAsync(1, evaluate)}): while one snapshot is evaluated, the ones
 * that arrive replace each other, so the next evaluation always takes the newest and the evaluator is never more
 * than one snapshot behind, however fast phi changes. Evaluations run one at a time on the executor of
 * {@link #EVALUATION_DISPATCHER}, off the actor's thread; the actor keeps the best phi by the paper's rule (highest
 * PL accuracy on the training domains' evaluation pairs; the earlier one wins a tie) and reports each evaluation to
 * its listener.
 *
 * <p>At the end of a run the guardian sends {@link Drain} with the final version: the evaluator makes sure that
 * version is evaluated (it is taken from the broadcasts, waiting up to {@link EvaluatorSettings#finalPhiWait()} for
 * it when it has not arrived yet), finishes what is in the stream and replies with the summary.
 */
public final class Evaluator extends AbstractBehavior<Evaluator.Command> {

    /** Dispatcher (actors' reference.conf) whose single thread runs evaluations. */
    public static final String EVALUATION_DISPATCHER = "metareward-actors.evaluation-dispatcher";

    /** Snapshots buffered ahead of the conflation stage; conflation drains it at once, so it never fills in practice. */
    private static final int QUEUE_CAPACITY = 16;

    /** Messages of the evaluator. */
    public sealed interface Command permits Evaluate, GetSummary, Drain, PhiBroadcast, FinalPhiTimedOut, Evaluated,
            EvaluationFailed, StreamCompleted {
    }

    /** {@link Drain#finalVersion()} when the final version is unknown (the coordinator did not answer). */
    public static final long UNKNOWN_FINAL_VERSION = -1;

    /**
     * Offers a snapshot (read only) for evaluation directly, whatever its version; the run's snapshots come from the
     * phi broadcasts instead.
     */
    public record Evaluate(PhiSnapshot snapshot) implements Command {
    }

    /** Asks for the summary so far. */
    public record GetSummary(ActorRef<EvaluatorSummary> replyTo) implements Command {
    }

    /**
     * Stops taking snapshots once {@code finalVersion} is in the stream (offered now when it was not yet, from the
     * broadcast of that version), finishes the snapshots in the stream and replies with the final summary.
     *
     * @param finalVersion the run's final version, or {@link #UNKNOWN_FINAL_VERSION} to finish with what is there
     */
    public record Drain(long finalVersion, ActorRef<EvaluatorSummary> replyTo) implements Command {
    }

    private record PhiBroadcast(PhiFrame frame) implements Command {
    }

    private enum FinalPhiTimedOut implements Command { INSTANCE }

    private record Evaluated(EvaluationResult result, INDArray phi) implements Command {
    }

    private record EvaluationFailed(long version, Throwable error) implements Command {
    }

    private record StreamCompleted(Optional<Throwable> failure) implements Command {
    }

    private static final Object FINAL_PHI_TIMER = "final-phi";

    private final EvaluationListener listener;
    private final TrainerMeters meters;
    private final EvaluatorSettings settings;
    private final TimerScheduler<Command> timers;
    private final Transport.Subscription subscription;
    private final BoundedSourceQueue<PhiSnapshot> queue;
    private final AtomicLong conflated = new AtomicLong();
    private final List<EvaluationResult> history = new ArrayList<>();
    private final List<ActorRef<EvaluatorSummary>> drainWaiters = new ArrayList<>();
    private long offered;
    private long dropped;
    private long failed;
    private long rejectedFrames;
    private EvaluatorSummary.Best best;
    /** The newest broadcast of this run by version: the source of the final version at the end. */
    private PhiFrame newestFrame;
    /** Version of the latest evaluation (the start version before the first): the base of the evaluator lag. */
    private long lastEvaluatedVersion;
    /** Highest version put into the stream so far. */
    private long lastOfferedVersion = -1;
    /** The version a drain waits for before completing the stream; set while draining. */
    private long awaitedFinalVersion = UNKNOWN_FINAL_VERSION;
    private boolean draining;
    private boolean streamClosed;
    private boolean completed;

    /**
     * An evaluator of the broadcasts of {@code transport} running {@code evaluation} on the executor of
     * {@link #EVALUATION_DISPATCHER}; it records PL accuracy, lag and the phi version it holds in {@code meters}.
     */
    public static Behavior<Command> create(PhiEvaluation evaluation, EvaluationListener listener,
                                           TrainerMeters meters, EvaluatorSettings settings, Transport transport) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new Evaluator(context, timers, evaluation,
                listener, meters, settings, transport,
                context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(EVALUATION_DISPATCHER)))));
    }

    private Evaluator(ActorContext<Command> context, TimerScheduler<Command> timers, PhiEvaluation evaluation,
                      EvaluationListener listener, TrainerMeters meters, EvaluatorSettings settings,
                      Transport transport, Executor executor) {
        super(context);
        this.listener = listener;
        this.meters = meters;
        this.lastEvaluatedVersion = settings.startVersion();
        this.settings = settings;
        this.timers = timers;
        ActorRef<Command> self = context.getSelf();
        var materialized = Source.<PhiSnapshot>queue(QUEUE_CAPACITY)
                .conflate((older, newer) -> {
                    conflated.incrementAndGet();
                    return newer.version() >= older.version() ? newer : older;
                })
                .mapAsync(1, snapshot -> CompletableFuture
                        .supplyAsync(() -> (Command) new Evaluated(
                                evaluation.evaluate(snapshot.phi(), snapshot.version()), snapshot.phi()), executor)
                        .exceptionally(error -> new EvaluationFailed(snapshot.version(), unwrap(error))))
                .toMat(Sink.foreach(self::tell), Keep.both())
                .run(context.getSystem());
        this.queue = materialized.first();
        materialized.second().whenComplete((done, failure) -> self.tell(new StreamCompleted(Optional.ofNullable(failure))));
        // Last, so that a broadcast delivered at once finds the stream running.
        this.subscription = transport.subscribePhi(frame -> self.tell(new PhiBroadcast(frame)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Evaluate.class, this::onEvaluate)
                .onMessage(PhiBroadcast.class, this::onPhiBroadcast)
                .onMessageEquals(FinalPhiTimedOut.INSTANCE, this::onFinalPhiTimedOut)
                .onMessage(Evaluated.class, this::onEvaluated)
                .onMessage(EvaluationFailed.class, this::onEvaluationFailed)
                .onMessage(GetSummary.class, m -> {
                    m.replyTo().tell(summary());
                    return this;
                })
                .onMessage(Drain.class, this::onDrain)
                .onMessage(StreamCompleted.class, this::onStreamCompleted)
                .onSignal(PostStop.class, signal -> {
                    subscription.close();
                    closeStream();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onEvaluate(Evaluate message) {
        if (draining) {
            getContext().getLog().warn("evaluator is draining; snapshot of version {} ignored",
                    message.snapshot().version());
            return this;
        }
        offer(message.snapshot());
        return this;
    }

    private Behavior<Command> onPhiBroadcast(PhiBroadcast message) {
        PhiFrame frame = message.frame();
        if (!settings.runId().equals(frame.runId()) || VectorChecksum.of(frame.vector()) != frame.checksum()) {
            rejectedFrames++;
            getContext().getLog().warn("evaluator dropped phi broadcast {}: another run or a bad checksum ({} so far)",
                    frame, rejectedFrames);
            return this;
        }
        if (newestFrame == null || frame.version() > newestFrame.version()) {
            newestFrame = frame;
            meters.raisePhiVersion(frame.version());
            recordLag();
        }
        if (streamClosed) {
            return this;
        }
        if (draining) {
            if (frame.version() == awaitedFinalVersion) {
                timers.cancel(FINAL_PHI_TIMER);
                offerOnce(frame);
                closeStream();
            }
            return this;
        }
        if (settings.keeps(frame.version())) {
            // Re-broadcasts of a version (round timeouts, worker registrations) are evaluated once.
            offerOnce(frame);
        }
        return this;
    }

    private void offerOnce(PhiFrame frame) {
        if (frame.version() > lastOfferedVersion) {
            offer(new PhiSnapshot(frame.version(), frame.vector()));
        }
    }

    private void offer(PhiSnapshot snapshot) {
        offered++;
        lastOfferedVersion = Math.max(lastOfferedVersion, snapshot.version());
        QueueOfferResult result = queue.offer(snapshot);
        if (result != QueueOfferResult.enqueued()) {
            dropped++;
            getContext().getLog().warn("evaluator queue refused snapshot of version {} ({}); a later one will be "
                    + "evaluated instead", snapshot.version(), result);
        }
    }

    private Behavior<Command> onEvaluated(Evaluated message) {
        EvaluationResult result = message.result();
        history.add(result);
        boolean newBest = best == null ? !Double.isNaN(result.trainingPlAccuracy())
                : result.trainingPlAccuracy() > best.result().trainingPlAccuracy();
        if (newBest) {
            best = new EvaluatorSummary.Best(result, message.phi());
        }
        getContext().getLog().info("evaluated phi version {}: training PL accuracy {}, held-out {} ({} s){}",
                result.version(), result.trainingPlAccuracy(), result.heldOutPlAccuracy(), result.seconds(),
                newBest ? ", new best" : "");
        listener.onEvaluation(new EvaluationListener.EvaluationEvent(result, newBest, skipped()));
        lastEvaluatedVersion = Math.max(lastEvaluatedVersion, result.version());
        recordLag();
        result.heldOutPlAccuracy().forEach((domain, accuracy) -> {
            if (!Double.isNaN(accuracy)) {
                meters.setEvaluatorPlAccuracy(domain, accuracy);
            }
        });
        return this;
    }

    /** Versions between the newest phi seen and the latest one evaluated. */
    private void recordLag() {
        meters.setEvaluatorLag(newestFrame == null ? 0 : Math.max(0, newestFrame.version() - lastEvaluatedVersion));
    }

    private Behavior<Command> onEvaluationFailed(EvaluationFailed message) {
        failed++;
        getContext().getLog().error("evaluation of phi version {} failed; training continues and the next snapshot "
                + "is evaluated", message.version(), message.error());
        return this;
    }

    private Behavior<Command> onDrain(Drain drain) {
        if (completed) {
            drain.replyTo().tell(summary());
            return this;
        }
        drainWaiters.add(drain.replyTo());
        if (draining) {
            return this;
        }
        draining = true;
        long finalVersion = drain.finalVersion();
        if (finalVersion == UNKNOWN_FINAL_VERSION || lastOfferedVersion >= finalVersion) {
            closeStream(); // nothing to add: the final version is in the stream already, or unknown
        } else if (newestFrame != null && newestFrame.version() == finalVersion) {
            offerOnce(newestFrame);
            closeStream();
        } else {
            awaitedFinalVersion = finalVersion;
            timers.startSingleTimer(FINAL_PHI_TIMER, FinalPhiTimedOut.INSTANCE, settings.finalPhiWait());
        }
        return this;
    }

    private Behavior<Command> onFinalPhiTimedOut() {
        if (!streamClosed) {
            getContext().getLog().warn("the broadcast of the final phi version {} did not reach the evaluator within {} "
                    + "(timeouts.ask; newest seen: {}); finishing without evaluating it", awaitedFinalVersion,
                    settings.finalPhiWait(), newestFrame == null ? "none" : newestFrame.version());
            closeStream();
        }
        return this;
    }

    private void closeStream() {
        if (!streamClosed) {
            streamClosed = true;
            queue.complete();
        }
    }

    private Behavior<Command> onStreamCompleted(StreamCompleted message) {
        completed = true;
        draining = true;
        streamClosed = true;
        subscription.close();
        message.failure().ifPresent(error -> getContext().getLog().error("evaluation stream failed", error));
        for (ActorRef<EvaluatorSummary> waiter : drainWaiters) {
            waiter.tell(summary());
        }
        drainWaiters.clear();
        return this;
    }

    private long skipped() {
        return conflated.get() + dropped;
    }

    private EvaluatorSummary summary() {
        return new EvaluatorSummary(offered, history.size(), skipped(), failed, Optional.ofNullable(best), history);
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }
}
