package dev.metareward.config;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One node of a cluster run: one JVM.
 *
 * @param name unique name, given to {@code metareward node --node NAME}
 * @param host the address other nodes reach this node at (Pekko and Aeron)
 * @param port Pekko Artery (control plane) port
 * @param aeronPort first of the two UDP ports of this node's data plane (see docs/DATA-PLANE.md)
 * @param roles among coordinator, worker, evaluator
 * @param gpus GPU ordinals of this node's domain workers (CUDA backend), dealt round-robin
 * @param domains the training domains whose workers may run here; empty = every training domain
 * @param metricsPort this node's Prometheus endpoint port (0 = off), replacing metrics.port for it; empty = metrics.port
 */
public record NodeSettings(String name, String host, int port, int aeronPort, List<String> roles, List<Integer> gpus,
                           List<String> domains, OptionalInt metricsPort) {

    public static final String COORDINATOR = "coordinator";
    public static final String WORKER = "worker";
    public static final String EVALUATOR = "evaluator";

    static final Set<String> KEYS = Set.of("name", "host", "port", "aeron-port", "roles", "gpus", "domains",
            "metrics-port");

    public NodeSettings {
        roles = List.copyOf(roles);
        gpus = List.copyOf(gpus);
        domains = List.copyOf(domains);
    }

    /** True when a worker of {@code domain} may run on this node. */
    public boolean allows(String domain) {
        return domains.isEmpty() || domains.contains(domain);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    static NodeSettings read(SettingsReader r) {
        String name = r.string("name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            r.problem("name", "expected a name of letters, digits, '.', '_' or '-' but was \"" + name + "\"");
        }
        List<String> roles = r.strings("roles");
        for (String role : roles) {
            if (!ClusterSettings.ROLES.contains(role)) {
                r.problem("roles", "expected roles among " + ClusterSettings.ROLES + " but found \"" + role + "\"");
            }
        }
        if (roles.isEmpty()) {
            r.problem("roles", "expected at least one role");
        }
        List<Integer> gpus = r.has("gpus") ? r.ints("gpus") : List.of();
        for (int g : gpus) {
            if (g < 0) {
                r.problem("gpus", "expected GPU ordinals >= 0 but found " + g);
            }
        }
        return new NodeSettings(name, r.string("host"), r.intIn("port", 1, 65535), r.intIn("aeron-port", 1, 65534),
                roles, gpus, r.has("domains") ? r.strings("domains") : List.of(),
                r.has("metrics-port") ? OptionalInt.of(r.intIn("metrics-port", 0, 65535)) : OptionalInt.empty());
    }
}
