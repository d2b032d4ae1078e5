package dev.metareward.cluster.node;

import dev.metareward.actors.CborSerializable;
import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.coordinator.RewardCoordinator;
import dev.metareward.actors.worker.DomainSlot;
import dev.metareward.actors.worker.DomainWorker;
import dev.metareward.actors.worker.SupervisionSettings;
import dev.metareward.actors.worker.WorkerSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.DomainBatches;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * One training domain's worker as a Cluster Sharding entity (entity id = shard id = domain name) on a worker node.
 * On start it registers with the reward coordinator (the cluster singleton), which answers with the domain's resume
 * point (data position and last accepted sequence number, from its state or checkpoint) and re-sends phi to it; only
 * then does it start the supervised {@link DomainWorker} with the domain's batches at that position. So a domain
 * restarted on another node after its node was lost continues where the coordinator last accepted its work.
 *
 * <p>If the worker exhausts its restarts, the entity stops; remember-entities starts it again after sharding's
 * entity-restart-backoff.
 */
public final class DomainEntity {

    /** The sharded entity type of domain workers. */
    public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "domain-worker");

    /** Retry of the registration while the coordinator is not reachable yet (starting, moving to another node). */
    private static final Duration REGISTER_RETRY = Duration.ofSeconds(2);

    /** Messages of the entity. */
    public sealed interface Command permits Start, Registered, RegistrationFailed, RetryRegistration {
    }

    /** Makes sure the entity runs (sharding starts it on the first message); sent by the coordinator at its start. */
    public record Start(String why) implements Command, CborSerializable {
    }

    private record Registered(RewardCoordinator.WorkerRegistered reply) implements Command {
    }

    private record RegistrationFailed(Throwable error) implements Command {
    }

    private enum RetryRegistration implements Command { INSTANCE }

    private DomainEntity() {
    }

    /**
     * @param coordinator the coordinator singleton's proxy
     */
    public static Behavior<Command> create(String domain, NodeRuntime node,
                                           ActorRef<RewardCoordinator.Command> coordinator) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            register(context, domain, node, coordinator);
            return Behaviors.receive(Command.class)
                    .onMessage(Start.class, m -> Behaviors.same())
                    .onMessageEquals(RetryRegistration.INSTANCE, () -> {
                        register(context, domain, node, coordinator);
                        return Behaviors.same();
                    })
                    .onMessage(RegistrationFailed.class, m -> {
                        context.getLog().info("domain '{}': the reward coordinator did not answer ({}); retrying in {}",
                                domain, m.error().toString(), REGISTER_RETRY);
                        timers.startSingleTimer(RetryRegistration.INSTANCE, REGISTER_RETRY);
                        return Behaviors.same();
                    })
                    .onMessage(Registered.class, m -> startWorker(context, domain, node, m.reply()))
                    .build();
        }));
    }

    private static void register(ActorContext<Command> context, String domain, NodeRuntime node,
                                 ActorRef<RewardCoordinator.Command> coordinator) {
        context.ask(RewardCoordinator.WorkerRegistered.class, coordinator, node.config().timeouts().ask(),
                replyTo -> new RewardCoordinator.RegisterWorker(domain, replyTo),
                (reply, error) -> reply != null ? new Registered(reply) : new RegistrationFailed(error));
    }

    private static Behavior<Command> startWorker(ActorContext<Command> context, String domain, NodeRuntime node,
                                                 RewardCoordinator.WorkerRegistered registered) {
        MetarewardConfig config = node.config();
        DomainBatches batches = node.run().components().batches(domain);
        long nextSequence = 1;
        if (registered.resume().isPresent()) {
            DomainResume resume = registered.resume().get();
            batches.restorePosition(resume.position());
            nextSequence = resume.lastSequence() + 1;
        }
        WorkerSettings settings = WorkerSettings.of(config, node.nextWorkerDevice());
        DomainSlot slot = new DomainSlot(batches, nextSequence);
        if (registered.owesContribution()) {
            slot.owe(registered.version());
        }
        ActorRef<DomainWorker.Command> worker = context.spawn(DomainWorker.supervised(settings, slot,
                        node.run().components().steps(node.meters()), node.transport(), node.meters(),
                        SupervisionSettings.DEFAULT), "worker", DomainWorker.dispatcher());
        context.watch(worker);
        context.getLog().info("domain '{}' runs on node {} from {} (coordinator at version {})", domain,
                node.self().name(), registered.resume().isPresent() ? "its resume point, sequence " + nextSequence
                        : "the start of its data", registered.version());
        return Behaviors.receive(Command.class)
                .onMessage(Start.class, m -> Behaviors.same())
                .onMessage(Registered.class, m -> Behaviors.same())
                .onMessage(RegistrationFailed.class, m -> Behaviors.same())
                .onMessageEquals(RetryRegistration.INSTANCE, Behaviors::same)
                .onSignal(Terminated.class, t -> {
                    context.getLog().error("the worker of domain '{}' stopped after {} failed restarts in a row; the "
                            + "entity stops and sharding restarts it", domain, SupervisionSettings.DEFAULT.maxRestarts());
                    return Behaviors.stopped();
                })
                .build();
    }
}
