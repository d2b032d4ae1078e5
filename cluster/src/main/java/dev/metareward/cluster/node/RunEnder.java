package dev.metareward.cluster.node;

import dev.metareward.actors.coordinator.RewardCoordinator;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Ends a cluster run, once, on the node that holds the coordinator: on the coordinator's TargetReached or Failed it
 * asks for the final checkpoint ({@code Finish}), then for the evaluator's last evaluation (which leaves the best phi
 * in run.output-dir), publishes {@link RunEnded} to every node and completes this node's {@link NodeRuntime#end()}
 * with the final state, from which the node writes the report.
 */
final class RunEnder {

    /** Messages of the run ender: the coordinator's events and the replies it waits for. */
    sealed interface Command permits FromCoordinator, Finished, Evaluated {
    }

    private record FromCoordinator(RewardCoordinator.Event event) implements Command {
    }

    private record Finished(Optional<RewardCoordinator.Finished> finished, Optional<Throwable> error)
            implements Command {
    }

    private record Evaluated(Optional<EvaluatorHost.Digest> digest, Optional<Throwable> error) implements Command {
    }

    private RunEnder() {
    }

    static Behavior<RewardCoordinator.Event> create(ActorRef<RewardCoordinator.Command> coordinator,
                                                    Optional<ActorRef<EvaluatorHost.Command>> evaluator,
                                                    ActorRef<Topic.Command<RunEnded>> runEvents, NodeRuntime node) {
        return Behaviors.transformMessages(RewardCoordinator.Event.class,
                Behaviors.<Command>setup(context -> waitForEvent(context, coordinator, evaluator, runEvents, node)),
                pf -> pf.match(RewardCoordinator.Event.class, FromCoordinator::new));
    }

    private static Behavior<Command> waitForEvent(ActorContext<Command> context,
                                                  ActorRef<RewardCoordinator.Command> coordinator,
                                                  Optional<ActorRef<EvaluatorHost.Command>> evaluator,
                                                  ActorRef<Topic.Command<RunEnded>> runEvents, NodeRuntime node) {
        return Behaviors.receive(Command.class)
                .onMessage(FromCoordinator.class, m -> {
                    RunEnd.Outcome outcome = m.event() instanceof RewardCoordinator.TargetReached
                            ? RunEnd.Outcome.COMPLETED : RunEnd.Outcome.FAILED;
                    String message = m.event() instanceof RewardCoordinator.Failed failed ? failed.message()
                            : "phi reached the target version " + ((RewardCoordinator.TargetReached) m.event()).version();
                    Duration timeout = node.config().timeouts().ask();
                    context.ask(RewardCoordinator.Finished.class, coordinator, timeout, RewardCoordinator.Finish::new,
                            (reply, error) -> new Finished(Optional.ofNullable(reply), Optional.ofNullable(error)));
                    return finishing(context, outcome, message, evaluator, runEvents, node);
                })
                .build();
    }

    private static Behavior<Command> finishing(ActorContext<Command> context, RunEnd.Outcome outcome, String message,
                                               Optional<ActorRef<EvaluatorHost.Command>> evaluator,
                                               ActorRef<Topic.Command<RunEnded>> runEvents, NodeRuntime node) {
        return Behaviors.receive(Command.class)
                .onMessage(FromCoordinator.class, m -> Behaviors.same())
                .onMessage(Finished.class, m -> {
                    if (m.finished().isEmpty()) {
                        context.getLog().error("the coordinator did not write its final checkpoint: {}",
                                m.error().map(Throwable::toString).orElse("no reply"));
                    }
                    long version = m.finished().map(f -> f.state().version()).orElse(-1L);
                    if (evaluator.isPresent() && outcome == RunEnd.Outcome.COMPLETED && m.finished().isPresent()) {
                        // An evaluation is a computation: bounded by timeouts.contribution, like a contribution.
                        context.ask(EvaluatorHost.Digest.class, evaluator.get(), node.config().timeouts().contribution(),
                                replyTo -> new EvaluatorHost.Drain(version, replyTo),
                                (reply, error) -> new Evaluated(Optional.ofNullable(reply), Optional.ofNullable(error)));
                        return drainingEvaluator(context, outcome, message, m.finished(), runEvents, node);
                    }
                    return end(context, outcome, message, m.finished(), Optional.empty(), runEvents, node);
                })
                .build();
    }

    private static Behavior<Command> drainingEvaluator(ActorContext<Command> context, RunEnd.Outcome outcome,
                                                       String message,
                                                       Optional<RewardCoordinator.Finished> finished,
                                                       ActorRef<Topic.Command<RunEnded>> runEvents, NodeRuntime node) {
        return Behaviors.receive(Command.class)
                .onMessage(FromCoordinator.class, m -> Behaviors.same())
                .onMessage(Evaluated.class, m -> {
                    if (m.digest().isEmpty()) {
                        context.getLog().error("the evaluator did not finish its last evaluation ({}); the report "
                                + "uses the final phi", m.error().map(Throwable::toString).orElse("no reply"));
                    }
                    return end(context, outcome, message, finished, m.digest().flatMap(EvaluatorHost.Digest::bestVersion),
                            runEvents, node);
                })
                .build();
    }

    private static Behavior<Command> end(ActorContext<Command> context, RunEnd.Outcome outcome, String message,
                                         Optional<RewardCoordinator.Finished> finished, Optional<Long> bestVersion,
                                         ActorRef<Topic.Command<RunEnded>> runEvents, NodeRuntime node) {
        long version = finished.map(f -> f.state().version()).orElse(-1L);
        context.getLog().info("run ended: {} at version {} ({})", outcome, version, message);
        // This node's end first: the topic also delivers RunEnded to this node's guardian, whose end (without the
        // final state) must not win the race, or nobody writes the report.
        node.end().complete(new RunEnd(outcome, message, finished, bestVersion));
        runEvents.tell(Topic.publish(new RunEnded(outcome, version, message, node.self().name())));
        return Behaviors.receive(Command.class).onAnyMessage(m -> Behaviors.same()).build();
    }
}
