package dev.metareward.actors.evaluator;

import dev.metareward.actors.coordinator.PhiSnapshot;
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
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates phi snapshots while training goes on. Snapshots flow through a conflating stream
 * ({@code queue -> conflate(keep newest) -> mapAsync(1, evaluate)}): while one snapshot is evaluated, the ones
 * that arrive replace each other, so the next evaluation always takes the newest and the evaluator is never more
 * than one snapshot behind, however fast phi changes. Evaluations run one at a time on the executor of
 * {@link #EVALUATION_DISPATCHER}, off the actor's thread; the actor keeps the best phi by the paper's rule (highest
 * PL accuracy on the training domains' evaluation pairs; the earlier one wins a tie) and reports each evaluation to
 * its listener.
 */
public final class Evaluator extends AbstractBehavior<Evaluator.Command> {

    /** Dispatcher (actors' reference.conf) whose single thread runs evaluations. */
    public static final String EVALUATION_DISPATCHER = "metareward-actors.evaluation-dispatcher";

    /** Snapshots buffered ahead of the conflation stage; conflation drains it at once, so it never fills in practice. */
    private static final int QUEUE_CAPACITY = 16;

    /** Messages of the evaluator. */
    public sealed interface Command permits Evaluate, GetSummary, Drain, Evaluated, EvaluationFailed, StreamCompleted {
    }

    /** Offers a snapshot (read only) for evaluation. */
    public record Evaluate(PhiSnapshot snapshot) implements Command {
    }

    /** Asks for the summary so far. */
    public record GetSummary(ActorRef<EvaluatorSummary> replyTo) implements Command {
    }

    /** Stops taking snapshots, finishes the ones in the stream and replies with the final summary. */
    public record Drain(ActorRef<EvaluatorSummary> replyTo) implements Command {
    }

    private record Evaluated(EvaluationResult result, INDArray phi) implements Command {
    }

    private record EvaluationFailed(long version, Throwable error) implements Command {
    }

    private record StreamCompleted(Optional<Throwable> failure) implements Command {
    }

    private final EvaluationListener listener;
    private final BoundedSourceQueue<PhiSnapshot> queue;
    private final AtomicLong conflated = new AtomicLong();
    private final List<EvaluationResult> history = new ArrayList<>();
    private final List<ActorRef<EvaluatorSummary>> drainWaiters = new ArrayList<>();
    private long offered;
    private long dropped;
    private long failed;
    private EvaluatorSummary.Best best;
    private boolean draining;
    private boolean completed;

    /** An evaluator running {@code evaluation} on the executor of {@link #EVALUATION_DISPATCHER}. */
    public static Behavior<Command> create(PhiEvaluation evaluation, EvaluationListener listener) {
        return Behaviors.setup(context -> new Evaluator(context, evaluation, listener,
                context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(EVALUATION_DISPATCHER))));
    }

    private Evaluator(ActorContext<Command> context, PhiEvaluation evaluation, EvaluationListener listener,
                      Executor executor) {
        super(context);
        this.listener = listener;
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
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Evaluate.class, this::onEvaluate)
                .onMessage(Evaluated.class, this::onEvaluated)
                .onMessage(EvaluationFailed.class, this::onEvaluationFailed)
                .onMessage(GetSummary.class, m -> {
                    m.replyTo().tell(summary());
                    return this;
                })
                .onMessage(Drain.class, this::onDrain)
                .onMessage(StreamCompleted.class, this::onStreamCompleted)
                .onSignal(PostStop.class, signal -> {
                    if (!draining) {
                        queue.complete();
                    }
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
        offered++;
        QueueOfferResult result = queue.offer(message.snapshot());
        if (result != QueueOfferResult.enqueued()) {
            dropped++;
            getContext().getLog().warn("evaluator queue refused snapshot of version {} ({}); a later one will be "
                    + "evaluated instead", message.snapshot().version(), result);
        }
        return this;
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
        return this;
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
        if (!draining) {
            draining = true;
            queue.complete();
        }
        return this;
    }

    private Behavior<Command> onStreamCompleted(StreamCompleted message) {
        completed = true;
        draining = true;
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
