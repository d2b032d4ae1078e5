package dev.metareward.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The Prometheus endpoint of a node; port 0 disables it. */
public record MetricsSettings(String host, int port) {

    /** The endpoint of cluster node {@code node}: its own {@code metrics-port} when it has one, else this port. */
    public MetricsSettings forNode(NodeSettings node) {
        return new MetricsSettings(host, node.metricsPort().orElse(port));
    }

    static MetricsSettings read(SettingsReader r, ClusterSettings cluster) {
        MetricsSettings settings = new MetricsSettings(r.string("host"), r.intIn("port", 0, 65535));
        requireDistinctPortsPerHost(r, settings, cluster.nodes());
        return settings;
    }

    /** Nodes on one host cannot serve on one port; the second one would fail at start, so say so now. */
    private static void requireDistinctPortsPerHost(SettingsReader r, MetricsSettings settings,
                                                    List<NodeSettings> nodes) {
        Map<String, String> owners = new HashMap<>();
        for (NodeSettings node : nodes) {
            int port = settings.forNode(node).port();
            if (port == 0) {
                continue;
            }
            String other = owners.putIfAbsent(node.host() + ":" + port, node.name());
            if (other != null) {
                r.problem("port", "nodes \"" + other + "\" and \"" + node.name() + "\" of cluster.nodes would both serve "
                        + "metrics on " + node.host() + ":" + port + "; give each node on that host its own "
                        + "metrics-port in cluster.nodes");
            }
        }
    }
}
