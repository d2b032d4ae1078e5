package dev.metareward.cluster.node;

import com.typesafe.config.Config;
import dev.metareward.actors.run.RunListener;
import dev.metareward.actors.transport.Transport;
import dev.metareward.cluster.run.PreparedRun;
import dev.metareward.config.NodeSettings;
import dev.metareward.metrics.TrainerMeters;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node of a cluster run: its data plane and its actor system (root {@link NodeGuardian}). Created by
 * {@code metareward node}; {@link #awaitEnd()} blocks until this node's part of the run is over, {@link #stop} leaves
 * the cluster and releases everything.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    /** How long leaving the cluster and terminating may take before the node gives up waiting. */
    private static final Duration TERMINATION_WAIT = Duration.ofSeconds(30);

    private final NodeRuntime runtime;
    private final ActorSystem<NodeGuardian.Command> system;

    private ClusterNode(NodeRuntime runtime, ActorSystem<NodeGuardian.Command> system) {
        this.runtime = runtime;
        this.system = system;
    }

    /**
     * Joins the cluster of {@code run}'s config as node {@code self}.
     *
     * @param remoting the Artery transport settings (TLS or plain tcp) of this node
     * @param transport this node's data plane; closed by {@link #close()}
     * @param listener observes the coordinator and evaluator when they run on this node
     * @param meters this node's meters, recorded into by whatever runs here
     */
    public static ClusterNode start(PreparedRun run, NodeSettings self, Config remoting, Transport transport,
                                    RunListener listener, TrainerMeters meters) {
        NodeRuntime runtime = new NodeRuntime(run, self, transport, meters);
        String name = NodePekkoConfig.systemName(run.config().run().id());
        ActorSystem<NodeGuardian.Command> system = ActorSystem.create(NodeGuardian.create(runtime, listener), name,
                NodePekkoConfig.of(run.config(), self, remoting));
        system.getWhenTerminated().whenComplete((done, error) -> runtime.end().complete(new RunEnd(
                RunEnd.Outcome.STOPPED, "the node's actor system terminated" + (error == null ? "" : ": " + error),
                Optional.empty(), Optional.empty())));
        failUnlessUpWithin(system, runtime);
        return new ClusterNode(runtime, system);
    }

    /** Ends the node as failed when the cluster has not formed (every node of the file joined) in time. */
    private static void failUnlessUpWithin(ActorSystem<?> system, NodeRuntime runtime) {
        Duration formation = runtime.config().timeouts().clusterFormation();
        AtomicBoolean up = new AtomicBoolean();
        Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> {
            up.set(true);
            LOG.info("node {} is Up: the cluster of {} node(s) has formed", runtime.self().name(),
                    runtime.config().cluster().nodes().size());
        });
        system.scheduler().scheduleOnce(formation, () -> {
            if (!up.get()) {
                runtime.end().complete(new RunEnd(RunEnd.Outcome.FAILED, "the cluster did not form within "
                        + formation + " (timeouts.cluster-formation): a run starts when all "
                        + runtime.config().cluster().nodes().size() + " nodes of cluster.nodes have joined; check that "
                        + "every node is started and reaches the seed nodes " + runtime.config().cluster().seedNodes(),
                        Optional.empty(), Optional.empty()));
            }
        }, system.executionContext());
    }

    /** Blocks until this node's part of the run ended. */
    public RunEnd awaitEnd() {
        return runtime.end().join();
    }

    /** Ends this node's part: leaves the cluster (coordinated shutdown), then waits for the system to terminate. */
    public void stop(String reason) {
        runtime.end().complete(new RunEnd(RunEnd.Outcome.STOPPED, reason, Optional.empty(), Optional.empty()));
        close();
    }

    @Override
    public void close() {
        CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
        try {
            system.getWhenTerminated().toCompletableFuture().get(TERMINATION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("node {} did not leave the cluster within {}; closing anyway", runtime.self().name(),
                    TERMINATION_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("node {} terminated with an error: {}", runtime.self().name(), e.getCause().toString());
        } finally {
            runtime.transport().close();
        }
    }
}
