package dev.metareward.cluster.node;

import dev.metareward.actors.coordinator.RewardCoordinator;
import dev.metareward.actors.run.RunListener;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.NodeSettings;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The root actor of a cluster node. Every node registers the same three things, and Pekko places them by role:
 * the domain workers (sharded entities on worker-role nodes, one shard per training domain, placed by
 * {@link DomainAllocation}), the reward coordinator (a singleton on the oldest coordinator-role node) and the
 * evaluator (a singleton on the oldest evaluator-role node). It ends this node's part in the run when the run-ended
 * topic says so, when this node is removed from the cluster, or when no coordinator-role node is left.
 */
final class NodeGuardian {

    /** Restarts of a failed coordinator (each resumes from the newest checkpoint) start after this backoff. */
    private static final Duration COORDINATOR_RESTART_BACKOFF = Duration.ofSeconds(1);

    /** Messages of the guardian. */
    sealed interface Command permits Ended, MemberEvent {
    }

    private record Ended(RunEnded event) implements Command {
    }

    private record MemberEvent(ClusterEvent.MemberEvent event) implements Command {
    }

    private NodeGuardian() {
    }

    static Behavior<Command> create(NodeRuntime node, RunListener listener) {
        return Behaviors.setup(context -> {
            ClusterSettings cluster = node.config().cluster();
            ActorRef<Topic.Command<RunEnded>> topic = context.spawn(Topic.create(RunEnded.class, RunEnded.TOPIC),
                    "run-ended-topic");
            topic.tell(Topic.subscribe(context.messageAdapter(RunEnded.class, Ended::new)));
            Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
                    context.messageAdapter(ClusterEvent.MemberEvent.class, MemberEvent::new),
                    ClusterEvent.MemberEvent.class));

            ClusterSingleton singletons = ClusterSingleton.get(context.getSystem());
            Optional<ActorRef<EvaluatorHost.Command>> evaluator = cluster.withRole(NodeSettings.EVALUATOR).isEmpty()
                    ? Optional.empty()
                    : Optional.of(singletons.init(SingletonActor.of(EvaluatorHost.create(node, listener), "evaluator")
                            .withSettings(ClusterSingletonSettings.create(context.getSystem())
                                    .withRole(NodeSettings.EVALUATOR))));
            ActorRef<RewardCoordinator.Command> coordinator = singletons.init(SingletonActor.of(
                            Behaviors.supervise(CoordinatorSingleton.create(node, evaluator, topic, listener))
                                    .onFailure(SupervisorStrategy.restartWithBackoff(COORDINATOR_RESTART_BACKOFF,
                                            COORDINATOR_RESTART_BACKOFF.multipliedBy(10), 0.2)),
                            "reward-coordinator")
                    .withSettings(ClusterSingletonSettings.create(context.getSystem())
                            .withRole(NodeSettings.COORDINATOR))
                    .withProps(RewardCoordinator.dispatcher()));
            ClusterSharding.get(context.getSystem()).init(Entity.of(DomainEntity.TYPE_KEY,
                            entity -> DomainEntity.create(entity.getEntityId(), node, coordinator))
                    .withRole(NodeSettings.WORKER)
                    .withMessageExtractor(new OneShardPerDomain())
                    .withAllocationStrategy(new DomainAllocation(cluster.withRole(NodeSettings.WORKER))));
            context.getLog().info("node {} is up with roles {}", node.self().name(), node.self().roles());
            return Behaviors.receive(Command.class)
                    .onMessage(Ended.class, m -> {
                        RunEnded ended = m.event();
                        node.end().complete(new RunEnd(ended.outcome(), "the run ended on node " + ended.byNode()
                                + ": " + ended.message(), Optional.empty(), Optional.empty()));
                        return Behaviors.same();
                    })
                    .onMessage(MemberEvent.class, m -> onMemberEvent(context, node, m.event()))
                    .build();
        });
    }

    private static Behavior<Command> onMemberEvent(ActorContext<Command> context, NodeRuntime node,
                                                   ClusterEvent.MemberEvent event) {
        if (!(event instanceof ClusterEvent.MemberRemoved removed)) {
            return Behaviors.same();
        }
        Cluster cluster = Cluster.get(context.getSystem());
        if (removed.member().address().equals(cluster.selfMember().address())) {
            node.end().complete(new RunEnd(RunEnd.Outcome.STOPPED, "this node was removed from the cluster",
                    Optional.empty(), Optional.empty()));
            return Behaviors.same();
        }
        boolean coordinatorRemains = false;
        for (var member : cluster.state().getMembers()) {
            coordinatorRemains |= member.status() == MemberStatus.up() && member.hasRole(NodeSettings.COORDINATOR);
        }
        if (!coordinatorRemains && removed.member().hasRole(NodeSettings.COORDINATOR)) {
            node.end().complete(new RunEnd(RunEnd.Outcome.FAILED, "no coordinator-role node is left in the cluster "
                    + "(the last one, " + removed.member().address() + ", was removed)", Optional.empty(),
                    Optional.empty()));
        }
        return Behaviors.same();
    }

    /** Shard id = entity id = domain name: each domain is placed on its own by {@link DomainAllocation}. */
    private static final class OneShardPerDomain
            extends ShardingMessageExtractor<ShardingEnvelope<DomainEntity.Command>, DomainEntity.Command> {

        @Override
        public String entityId(ShardingEnvelope<DomainEntity.Command> envelope) {
            return envelope.entityId();
        }

        @Override
        public String shardId(String entityId) {
            return entityId;
        }

        @Override
        public DomainEntity.Command unwrapMessage(ShardingEnvelope<DomainEntity.Command> envelope) {
            return envelope.message();
        }
    }
}
