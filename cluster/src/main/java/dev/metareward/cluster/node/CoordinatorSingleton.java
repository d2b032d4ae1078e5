package dev.metareward.cluster.node;

import dev.metareward.actors.checkpoint.CheckpointStore;
import dev.metareward.actors.checkpoint.RotatingCheckpointStore;
import dev.metareward.actors.coordinator.CoordinatorSettings;
import dev.metareward.actors.coordinator.CoordinatorStart;
import dev.metareward.actors.coordinator.RewardCoordinator;
import dev.metareward.actors.run.RunListener;
import dev.metareward.config.MetarewardConfig;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The reward coordinator as a Cluster Singleton on a coordinator-role node. Wherever it starts (first start, or
 * after the node that held it was lost), it resumes from the newest valid checkpoint in run.output-dir, then makes
 * sure every training domain's worker entity runs. Its events go to a {@link RunEnder} child on the same node, which
 * ends the run for the whole cluster.
 */
final class CoordinatorSingleton {

    private CoordinatorSingleton() {
    }

    /**
     * @param evaluator the evaluator singleton's proxy, when the cluster has an evaluator-role node
     * @param listener records updates on this node (outer-loss log, progress)
     */
    static Behavior<RewardCoordinator.Command> create(NodeRuntime node,
                                                      Optional<ActorRef<EvaluatorHost.Command>> evaluator,
                                                      ActorRef<Topic.Command<RunEnded>> runEvents, RunListener listener) {
        return Behaviors.setup(context -> {
            MetarewardConfig config = node.config();
            CheckpointStore store = new RotatingCheckpointStore(config.run().outputDir().resolve("checkpoints"),
                    config.training().keepCheckpoints());
            CoordinatorStart start = CoordinatorStart.fromCheckpoints(config.run().id(),
                    node.run().components().initialPhi(), config.outer(), store);
            context.getLog().info("reward coordinator singleton starts on node {} at version {}{}", node.self().name(),
                    start.initial().version(), start.resumedFrom().map(p -> " (from " + p + ")").orElse(""));
            ActorRef<RewardCoordinator.Event> ender = context.spawn(RunEnder.create(context.getSelf(), evaluator,
                    runEvents, node), "run-ender");
            startDomainWorkers(context, config);
            return RewardCoordinator.create(CoordinatorSettings.of(config), start.initial(), start.optimizer(),
                    node.transport(), store, listener, node.meters(), ender);
        });
    }

    private static void startDomainWorkers(ActorContext<?> context, MetarewardConfig config) {
        ClusterSharding sharding = ClusterSharding.get(context.getSystem());
        for (String domain : config.data().trainingDomains()) {
            sharding.entityRefFor(DomainEntity.TYPE_KEY, domain).tell(new DomainEntity.Start("coordinator started"));
        }
    }
}
