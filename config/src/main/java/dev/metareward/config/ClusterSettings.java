package dev.metareward.config;

import java.util.List;
import java.util.Set;

/** Control plane (Pekko Cluster) and data plane (Aeron) settings of this node. */
public record ClusterSettings(boolean enabled, List<String> roles, String host, int port, List<String> seedNodes,
                              String aeronChannel, String aeronDir) {

    public static final Set<String> ROLES = Set.of("coordinator", "worker", "evaluator");

    public ClusterSettings {
        roles = List.copyOf(roles);
        seedNodes = List.copyOf(seedNodes);
    }

    static ClusterSettings read(SettingsReader r) {
        List<String> roles = r.strings("roles");
        for (String role : roles) {
            if (!ROLES.contains(role)) {
                r.problem("roles", "expected roles among " + ROLES + " but found \"" + role + "\"");
            }
        }
        if (roles.isEmpty()) {
            r.problem("roles", "expected at least one role");
        }
        List<String> seeds = r.strings("seed-nodes");
        for (String seed : seeds) {
            if (!seed.matches("[^:\\s]+:\\d{1,5}")) {
                r.problem("seed-nodes", "expected \"host:port\" entries but found \"" + seed + "\"");
            }
        }
        String channel = r.string("aeron-channel");
        if (!channel.startsWith("aeron:")) {
            r.problem("aeron-channel", "expected an Aeron channel URI such as aeron:ipc or aeron:udp?endpoint=host:port"
                    + " but was \"" + channel + "\"");
        }
        return new ClusterSettings(r.bool("enabled"), roles, r.string("host"), r.intIn("port", 0, 65535), seeds, channel,
                r.string("aeron-dir"));
    }
}
