package dev.metareward.cluster.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.NodeSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Cluster;

/**
 * One cluster node in its own JVM for {@link TlsJoinTest}: reads a run config file, starts a typed ActorSystem with
 * {@link ArterySecurity#remotingConfig} and joins the run's first seed node. Prints {@code STARTED} once it runs and
 * {@code UP} when it is a member. It stops when its stdin closes (the test ended or died) or after a lifetime given on the command line, so
 * it can never outlive the test for long. Touches no ND4J class: the test checks the loaded classes.
 */
public final class TlsJoinNode {

    /** The line printed once the ActorSystem runs (and Artery listens). */
    static final String STARTED = "STARTED";
    /** The line printed once this node is an Up member of the cluster. */
    static final String UP = "UP";
    /** The ActorSystem name every node of the test cluster shares (Artery addresses include it). */
    static final String SYSTEM = "metareward";

    private TlsJoinNode() {
    }

    /**
     * Usage: {@code TlsJoinNode CONFIG NODE LIFETIME_SECONDS}.
     *
     * @param args the run config file, the node's name in it, and the longest time to run
     */
    public static void main(String[] args) throws Exception {
        MetarewardConfig config = MetarewardConfig.load(Path.of(args[0]));
        ActorSystem<Void> system = start(config.cluster(), args[1]);
        System.out.println(STARTED);
        Cluster.get(system.classicSystem()).registerOnMemberUp(() -> System.out.println(UP));
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // Drain until the parent closes the pipe.
                }
            } catch (IOException ignored) {
                // A broken pipe means the parent is gone: stop like on end of input.
            }
            system.terminate();
        }, "stdin-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            system.getWhenTerminated().toCompletableFuture().get(Long.parseLong(args[2]), TimeUnit.SECONDS);
        } finally {
            System.exit(0);
        }
    }

    /** Starts node {@code name} of {@code cluster}, joining the cluster's first seed node. */
    static ActorSystem<Void> start(ClusterSettings cluster, String name) {
        NodeSettings self = cluster.node(name).orElseThrow();
        NodeSettings seed = cluster.node(cluster.seedNodes().get(0)).orElseThrow();
        Config node = ConfigFactory.empty()
                .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("cluster"))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(List.of(
                        "pekko://" + SYSTEM + "@" + seed.host() + ":" + seed.port())))
                // Retry joining often, so "did not join within the bound" is not just "had not retried yet".
                .withValue("pekko.cluster.seed-node-timeout", ConfigValueFactory.fromAnyRef("1s"))
                .withValue("pekko.cluster.retry-unsuccessful-join-after", ConfigValueFactory.fromAnyRef("1s"))
                .withValue("pekko.cluster.jmx.multi-mbeans-in-same-jvm", ConfigValueFactory.fromAnyRef(true))
                // Test nodes just stop: a graceful leave waits for convergence with nodes that are already gone.
                .withValue("pekko.coordinated-shutdown.run-by-actor-system-terminate",
                        ConfigValueFactory.fromAnyRef(false))
                .withValue("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", ConfigValueFactory.fromAnyRef(false));
        return ActorSystem.create(Behaviors.empty(), SYSTEM, node
                .withFallback(ArterySecurity.remotingConfig(cluster, self))
                .withFallback(ConfigFactory.load()));
    }
}
