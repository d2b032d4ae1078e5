package dev.metareward.cluster.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.NodeSettings;
import java.util.List;
import java.util.Map;

/**
 * The Pekko settings of one cluster node, derived from the run's one config file: this node's canonical Artery
 * endpoint and roles, seed nodes by name, the split-brain resolver, remember-entities sharding of domain workers.
 * Layering, highest first: this node's identity, the file's own {@code pekko} section (a user may tune anything,
 * e.g. the resolver's stable-after), our cluster defaults, the reference settings.
 */
public final class NodePekkoConfig {

    private NodePekkoConfig() {
    }

    /** The actor system name every node of run {@code runId} shares (Pekko addresses include it). */
    public static String systemName(String runId) {
        return "metareward-" + runId.replaceAll("[^A-Za-z0-9-]", "-");
    }

    /** Pekko address of {@code node}, as seed nodes are written. */
    public static String address(String runId, NodeSettings node) {
        return "pekko://" + systemName(runId) + "@" + node.host() + ":" + node.port();
    }

    /**
     * @param remoting the Artery transport fragment (plain tcp or TLS) of {@link dev.metareward.cluster.security}
     */
    public static Config of(MetarewardConfig config, NodeSettings self, Config remoting) {
        ClusterSettings cluster = config.cluster();
        List<String> seeds = cluster.seedNodes().stream()
                .map(name -> address(config.run().id(), cluster.node(name).orElseThrow())).toList();
        Config identity = ConfigFactory.parseMap(Map.of(
                        "pekko.remote.artery.canonical.hostname", self.host(),
                        "pekko.remote.artery.canonical.port", self.port(),
                        "pekko.cluster.seed-nodes", seeds,
                        "pekko.cluster.roles", self.roles(),
                        // The run starts when every node of the file has joined (timeouts.cluster-formation bounds
                        // the wait), so the domains are spread over all worker nodes from the first step.
                        "pekko.cluster.min-nr-of-members", cluster.nodes().size()), "cluster node " + self.name());
        Config defaults = ConfigFactory.parseResources(NodePekkoConfig.class, "node-defaults.conf");
        return identity.withFallback(remoting).withFallback(config.user()).withFallback(defaults)
                .withFallback(config.resolved()).resolve();
    }
}
