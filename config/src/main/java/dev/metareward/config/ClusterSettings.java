package dev.metareward.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The whole cluster of a run, as one config file describes it: every node (name, Pekko endpoint, Aeron port, roles,
 * GPUs, allowed domains), how nodes find each other, the run secret that signs data-plane frames, Artery TLS and the
 * Aeron media driver. Every node reads the same file; {@code metareward node --node NAME} picks its own entry.
 *
 * @param enabled false: one JVM with the in-process transport; true: one JVM per node
 * @param nodes every node of the run (empty when not enabled)
 * @param seedNodes names of the nodes others join through (never empty when enabled: defaults to the coordinator
 *                  role nodes)
 * @param allowInsecure lets a node without TLS bind to a non-loopback address (it then warns loudly)
 * @param secretFile file holding the run secret (HMAC key of data-plane frames), when set
 * @param secretEnv environment variable holding the run secret, read when {@code secretFile} is not set
 * @param tls Artery TLS settings
 * @param aeron the node's Aeron media driver
 */
public record ClusterSettings(boolean enabled, List<NodeSettings> nodes, List<String> seedNodes,
                              boolean allowInsecure, Optional<Path> secretFile, String secretEnv, TlsSettings tls,
                              AeronSettings aeron) {

    public static final Set<String> ROLES = Set.of(NodeSettings.COORDINATOR, NodeSettings.WORKER,
            NodeSettings.EVALUATOR);

    public ClusterSettings {
        nodes = List.copyOf(nodes);
        seedNodes = List.copyOf(seedNodes);
    }

    /** The node called {@code name}, if the file has it. */
    public Optional<NodeSettings> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The nodes that hold {@code role}, in file order. */
    public List<NodeSettings> withRole(String role) {
        return nodes.stream().filter(n -> n.roles().contains(role)).toList();
    }

    static ClusterSettings read(SettingsReader r, DataSettings data, DeviceSettings device) {
        boolean enabled = r.bool("enabled");
        List<NodeSettings> nodes = r.objects("nodes", NodeSettings.KEYS).stream().map(NodeSettings::read).toList();
        Set<String> names = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        for (NodeSettings node : nodes) {
            if (!names.add(node.name())) {
                r.problem("nodes", "node name \"" + node.name() + "\" occurs more than once; names must be unique");
            }
            if (!endpoints.add(node.host() + ":" + node.port())) {
                r.problem("nodes", "node \"" + node.name() + "\" reuses Pekko endpoint " + node.host() + ":"
                        + node.port() + " of another node");
            }
            if (!endpoints.add(node.host() + ":aeron:" + node.aeronPort())) {
                r.problem("nodes", "node \"" + node.name() + "\" reuses Aeron port " + node.aeronPort() + " on host "
                        + node.host() + " of another node");
            }
            for (String domain : node.domains()) {
                if (!data.trainingDomains().contains(domain)) {
                    r.problem("nodes", "node \"" + node.name() + "\" allows domain \"" + domain + "\", which is not "
                            + "among data.training-domains " + data.trainingDomains());
                }
            }
        }
        List<String> seeds = r.strings("seed-nodes");
        for (String seed : seeds) {
            if (!names.contains(seed)) {
                r.problem("seed-nodes", "expected names of nodes in cluster.nodes " + names + " but found \"" + seed
                        + "\"");
            }
        }
        if (enabled) {
            requireClusterShape(r, nodes, data, device);
        } else if (!nodes.isEmpty()) {
            r.problem("nodes", "nodes are listed but cluster.enabled = false; set cluster.enabled = true to run them "
                    + "(or remove the list)");
        }
        if (seeds.isEmpty()) {
            seeds = nodes.stream().filter(n -> n.roles().contains(NodeSettings.COORDINATOR)).map(NodeSettings::name)
                    .toList();
        }
        String secretFile = r.string("secret-file");
        return new ClusterSettings(enabled, nodes, seeds, r.bool("allow-insecure"),
                secretFile.isBlank() ? Optional.empty() : Optional.of(Path.of(secretFile)), r.string("secret-env"),
                TlsSettings.read(r.child("tls")), AeronSettings.read(r.child("aeron")));
    }

    private static void requireClusterShape(SettingsReader r, List<NodeSettings> nodes, DataSettings data,
                                            DeviceSettings device) {
        if (nodes.isEmpty()) {
            r.problem("nodes", "cluster.enabled = true needs at least one node, e.g. nodes = [{ name = \"n1\", host = "
                    + "\"127.0.0.1\", port = 25520, aeron-port = 40123, roles = [coordinator, worker, evaluator] }]");
            return;
        }
        if (nodes.stream().noneMatch(n -> n.roles().contains(NodeSettings.COORDINATOR))) {
            r.problem("nodes", "expected at least one node with the \"coordinator\" role");
        }
        List<NodeSettings> workers = nodes.stream().filter(n -> n.roles().contains(NodeSettings.WORKER)).toList();
        if (workers.isEmpty()) {
            r.problem("nodes", "expected at least one node with the \"worker\" role");
        }
        for (String domain : data.trainingDomains()) {
            if (!workers.isEmpty() && workers.stream().noneMatch(n -> n.allows(domain))) {
                r.problem("nodes", "training domain \"" + domain + "\" is not allowed on any worker node; add it to "
                        + "a worker's domains (an empty list allows every domain)");
            }
        }
        if (!device.gpus().isEmpty()) {
            r.problem("nodes", "device.gpus " + device.gpus() + " is for a single-JVM run; in a cluster list each "
                    + "node's GPUs in its own gpus = [...]");
        }
        for (NodeSettings node : nodes) {
            if (device.backend() == DeviceSettings.Backend.CUDA && node.roles().contains(NodeSettings.WORKER)
                    && node.gpus().isEmpty()) {
                r.problem("nodes", "worker node \"" + node.name() + "\" has no gpus but device.backend = \"cuda\"");
            }
        }
    }
}
