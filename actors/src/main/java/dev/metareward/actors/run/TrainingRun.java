package dev.metareward.actors.run;

import dev.metareward.actors.coordinator.RewardCoordinator;
import dev.metareward.actors.evaluator.Evaluator;
import dev.metareward.actors.evaluator.EvaluatorSettings;
import dev.metareward.actors.evaluator.EvaluatorSummary;
import dev.metareward.actors.worker.DomainWorker;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The run guardian: starts the reward coordinator, one supervised domain worker per training domain and the
 * evaluator, and ends the run exactly once, in one of three ways:
 *
 * <ul>
 *   <li>success: the coordinator reached the target version;</li>
 *   <li>a stop request ({@link Stop});</li>
 *   <li>a fatal error: the coordinator failed or reported the run stuck, a worker exceeded its restarts, the
 *   evaluator died.</li>
 * </ul>
 *
 * <p>The evaluator takes its snapshots from the phi broadcasts itself. Ending: stop the workers, ask the coordinator
 * to {@link RewardCoordinator.Finish} (final checkpoint, within timeouts.ask), ask the evaluator to
 * {@link Evaluator.Drain} up to the final version (evaluated unless it was already; within timeouts.contribution, as
 * an evaluation is a computation), close the transport, complete the result, stop.
 */
public final class TrainingRun extends AbstractBehavior<TrainingRun.Command> {

    /** Messages of the guardian. */
    public sealed interface Command permits Stop, FromCoordinator, CoordinatorFinished, EvaluatorDrained {
    }

    /** Requests a clean stop with a final checkpoint. */
    public record Stop(String reason) implements Command {
    }

    private record FromCoordinator(RewardCoordinator.Event event) implements Command {
    }

    private record CoordinatorFinished(Optional<RewardCoordinator.Finished> finished, Optional<Throwable> error)
            implements Command {
    }

    private record EvaluatorDrained(Optional<EvaluatorSummary> summary, Optional<Throwable> error) implements Command {
    }

    private final RunPlan plan;
    private final CompletableFuture<RunResult> result;
    private final Map<ActorRef<?>, String> workers = new HashMap<>();
    private ActorRef<RewardCoordinator.Command> coordinator;
    private ActorRef<Evaluator.Command> evaluator;

    private boolean ending;
    private RunResult.Outcome outcome;
    private Throwable error;
    private RewardCoordinator.Finished finished;

    /** The guardian of {@code plan}; {@code result} is completed when the run has ended, just before it stops. */
    public static Behavior<Command> create(RunPlan plan, CompletableFuture<RunResult> result) {
        return Behaviors.setup(context -> new TrainingRun(context, plan, result));
    }

    private TrainingRun(ActorContext<Command> context, RunPlan plan, CompletableFuture<RunResult> result) {
        super(context);
        this.plan = plan;
        this.result = result;
        if (plan.evaluation().isPresent()) {
            // Spawned before the coordinator so that it subscribes to phi before the first updates are broadcast.
            EvaluatorSettings settings = new EvaluatorSettings(plan.coordinator().runId(),
                    plan.coordinator().training().evaluateEvery(), plan.initial().version(),
                    plan.coordinator().targetVersion(), plan.timeouts().ask());
            evaluator = context.spawn(Evaluator.create(plan.evaluation().get(), plan.listener(), plan.meters(),
                    settings, plan.transport()), "evaluator");
            context.watch(evaluator);
        }
        ActorRef<RewardCoordinator.Event> events = context.messageAdapter(RewardCoordinator.Event.class,
                FromCoordinator::new);
        coordinator = context.spawn(RewardCoordinator.create(plan.coordinator(), plan.initial(), plan.optimizer(),
                plan.transport(), plan.checkpoints(), plan.listener(), plan.meters(), events), "coordinator",
                RewardCoordinator.dispatcher());
        context.watch(coordinator);
        for (RunPlan.Worker worker : plan.workers()) {
            String domain = worker.slot().domain();
            ActorRef<DomainWorker.Command> ref = context.spawn(DomainWorker.supervised(worker.settings(),
                            worker.slot(), plan.steps(), plan.transport(), plan.meters(), plan.supervision()),
                    "worker-" + URLEncoder.encode(domain, StandardCharsets.UTF_8), DomainWorker.dispatcher());
            context.watch(ref);
            workers.put(ref, domain);
        }
        plan.listener().onStart(plan.initial().version(), plan.coordinator().targetVersion());
        context.getLog().info("run '{}' started: version {} -> {}, {} worker(s), evaluator {}",
                plan.coordinator().runId(), plan.initial().version(), plan.coordinator().targetVersion(),
                workers.size(), evaluator == null ? "off" : "on");
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Stop.class, stop -> {
                    getContext().getLog().info("stop requested: {}", stop.reason());
                    return beginEnding(RunResult.Outcome.STOPPED, null);
                })
                .onMessage(FromCoordinator.class, this::onCoordinatorEvent)
                .onMessage(CoordinatorFinished.class, this::onCoordinatorFinished)
                .onMessage(EvaluatorDrained.class, this::onEvaluatorDrained)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private Behavior<Command> onCoordinatorEvent(FromCoordinator message) {
        if (message.event() instanceof RewardCoordinator.TargetReached reached) {
            getContext().getLog().info("target version {} reached", reached.version());
            return beginEnding(RunResult.Outcome.COMPLETED, null);
        }
        RewardCoordinator.Failed failed = (RewardCoordinator.Failed) message.event();
        return beginEnding(RunResult.Outcome.FAILED, new RunFailedException(failed.message(), failed.cause()));
    }

    private Behavior<Command> onTerminated(Terminated terminated) {
        ActorRef<?> ref = terminated.getRef();
        Throwable cause = terminated instanceof ChildFailed failed ? failed.getCause() : null;
        String domain = workers.remove(ref);
        if (ending) {
            if (ref.equals(coordinator) && finished == null) {
                coordinator = null;
            }
            return this;
        }
        if (domain != null) {
            return beginEnding(RunResult.Outcome.FAILED, new RunFailedException("domain worker '" + domain
                    + "' stopped after " + plan.supervision().maxRestarts() + " failed restarts in a row"
                    + (cause == null ? "" : "; last error: " + cause), cause));
        }
        if (ref.equals(coordinator)) {
            coordinator = null;
            return beginEnding(RunResult.Outcome.FAILED, new RunFailedException("the reward coordinator stopped "
                    + "unexpectedly" + (cause == null ? "" : ": " + cause) + "; resume from the last checkpoint", cause));
        }
        if (ref.equals(evaluator)) {
            evaluator = null;
            return beginEnding(RunResult.Outcome.FAILED, new RunFailedException("the evaluator stopped unexpectedly"
                    + (cause == null ? "" : ": " + cause), cause));
        }
        return this;
    }

    private Behavior<Command> beginEnding(RunResult.Outcome why, Throwable failure) {
        if (ending) {
            if (failure != null && error == null) {
                getContext().getLog().error("while ending the run: {}", failure.getMessage());
            }
            return this;
        }
        ending = true;
        outcome = why;
        error = failure;
        if (failure != null) {
            getContext().getLog().error("run '{}' failed: {}", plan.coordinator().runId(), failure.getMessage(),
                    failure.getCause());
        }
        for (ActorRef<?> worker : workers.keySet()) {
            getContext().stop(worker);
        }
        if (coordinator == null) {
            return drainEvaluator(Evaluator.UNKNOWN_FINAL_VERSION);
        }
        Duration timeout = plan.timeouts().ask();
        getContext().ask(RewardCoordinator.Finished.class, coordinator, timeout, RewardCoordinator.Finish::new,
                (reply, askError) -> {
                    if (askError != null) {
                        getContext().getLog().error("the coordinator did not finish within {} (timeouts.ask): {}; "
                                + "the run ends without a final checkpoint", timeout, askError.toString());
                    }
                    return new CoordinatorFinished(Optional.ofNullable(reply), Optional.ofNullable(askError));
                });
        return this;
    }

    private Behavior<Command> onCoordinatorFinished(CoordinatorFinished message) {
        finished = message.finished().orElse(null);
        if (finished != null && finished.error().isPresent() && error == null && outcome != RunResult.Outcome.FAILED) {
            outcome = RunResult.Outcome.FAILED;
            error = new RunFailedException("the final checkpoint could not be written: "
                    + finished.error().get().getMessage(), finished.error().get());
        }
        return drainEvaluator(finished == null ? Evaluator.UNKNOWN_FINAL_VERSION : finished.state().version());
    }

    private Behavior<Command> drainEvaluator(long finalVersion) {
        if (evaluator == null) {
            return complete(Optional.empty());
        }
        Duration timeout = plan.timeouts().contribution();
        getContext().ask(EvaluatorSummary.class, evaluator, timeout,
                replyTo -> new Evaluator.Drain(finalVersion, replyTo), (summary, askError) -> {
                    if (askError != null) {
                        getContext().getLog().error("the evaluator did not finish its last evaluation within {} "
                                + "(timeouts.contribution): {}", timeout, askError.toString());
                    }
                    return new EvaluatorDrained(Optional.ofNullable(summary), Optional.ofNullable(askError));
                });
        return this;
    }

    private Behavior<Command> onEvaluatorDrained(EvaluatorDrained message) {
        return complete(message.summary());
    }

    private Behavior<Command> complete(Optional<EvaluatorSummary> evaluation) {
        plan.transport().close();
        Optional<RewardCoordinator.Finished> fin = Optional.ofNullable(finished);
        RunResult runResult = new RunResult(outcome, plan.initial().version(), plan.resumedFrom(),
                fin.map(RewardCoordinator.Finished::state), fin.flatMap(RewardCoordinator.Finished::checkpoint),
                fin.map(RewardCoordinator.Finished::stats), evaluation, Optional.ofNullable(error));
        getContext().getLog().info("run '{}' ended: {} at version {}", plan.coordinator().runId(), outcome,
                runResult.version());
        result.complete(runResult);
        return Behaviors.stopped();
    }
}
