package dev.metareward.cluster.aeron;

import dev.metareward.config.AeronSettings;
import dev.metareward.config.ClusterSettings;
import dev.metareward.config.NodeSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything {@link AeronTransport#start} needs: which run, the secret, this node and the coordinator-role nodes, the
 * shape of phi and the media driver. Build it with {@link #udp}, {@link #fromCluster} or (one JVM, tests)
 * {@link #ipc}.
 *
 * @param runId the run; frames of other runs are dropped (at most 255 UTF-8 bytes)
 * @param secret keys the HMAC-SHA256 of every frame; the same on every node
 * @param localNode this node
 * @param coordinatorNodes every node that may host the coordinator singleton (receives contributions on its
 *                         {@code aeronPort}, broadcasts phi with control address {@code aeronPort + 1}); empty for
 *                         {@link #ipc}
 * @param hostsCoordinator true when this node is among {@code coordinatorNodes}: it subscribes to contributions and
 *                         can broadcast phi
 * @param nodeCount nodes of the cluster (each may publish contributions): sizes the driver-directory check
 * @param phiLength elements of phi; every contribution and phi frame must have this length
 * @param phiDataType FLOAT or DOUBLE; every frame must have it
 * @param aeron media driver directory, external driver, term length, MTU
 * @param ipc true: everything in this JVM over {@code aeron:ipc} (one transport is both worker and coordinator side)
 * @param reassemblyTimeout a fragmented vector not complete after this long is dropped and counted
 * @param maxFragmentBytes body bytes per fragment at most (a multiple of 8); also bounded by one Aeron message
 *                         (term length / 8) minus the header
 */
public record AeronTransportSettings(String runId, RunSecret secret, Node localNode, List<Node> coordinatorNodes,
                                     boolean hostsCoordinator, int nodeCount, long phiLength, DataType phiDataType,
                                     AeronSettings aeron, boolean ipc, Duration reassemblyTimeout,
                                     int maxFragmentBytes) {

    /** Default of {@link #reassemblyTimeout}: far above the time a healthy 4 MiB frame takes (milliseconds). */
    public static final Duration DEFAULT_REASSEMBLY_TIMEOUT = Duration.ofSeconds(5);
    /** Default of {@link #maxFragmentBytes}: 1 MiB fragments keep per-fragment costs small and terms shared. */
    public static final int DEFAULT_MAX_FRAGMENT_BYTES = 1 << 20;

    private static final AtomicInteger IPC_INSTANCES = new AtomicInteger();

    /**
     * One node of the data plane.
     *
     * @param name unique node name (used in the default driver directory)
     * @param host address other nodes reach it at
     * @param aeronPort contributions arrive here (coordinator-role nodes); phi broadcasts use {@code aeronPort + 1}
     */
    public record Node(String name, String host, int aeronPort) {

        /** Validates the fields. */
        public Node {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            if (aeronPort < 1 || aeronPort > 65534) {
                throw new IllegalArgumentException("node " + name + ": aeron port must be in 1..65534 (it uses "
                        + "aeronPort and aeronPort + 1) but was " + aeronPort);
            }
        }

        /** The data-plane view of a node of the config file. */
        public static Node of(NodeSettings node) {
            return new Node(node.name(), node.host(), node.aeronPort());
        }
    }

    /** Validates the settings; the messages name the field and what was expected. */
    public AeronTransportSettings {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(localNode, "localNode");
        Objects.requireNonNull(aeron, "aeron");
        Objects.requireNonNull(reassemblyTimeout, "reassemblyTimeout");
        coordinatorNodes = List.copyOf(coordinatorNodes);
        if (runId.isBlank() || runId.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("run id must be 1..255 UTF-8 bytes but was \"" + runId + "\"");
        }
        if (phiLength < 1) {
            throw new IllegalArgumentException("phi length must be at least 1 but was " + phiLength);
        }
        if (phiDataType != DataType.FLOAT && phiDataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("phi must be FLOAT or DOUBLE but was " + phiDataType);
        }
        if (phiLength * (phiDataType == DataType.DOUBLE ? Double.BYTES : Float.BYTES) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the data plane carries vectors of at most 2 GiB but phi has "
                    + phiLength + " " + phiDataType + " elements");
        }
        if (maxFragmentBytes < 4096 || (maxFragmentBytes & 7) != 0) {
            throw new IllegalArgumentException("max fragment bytes must be a multiple of 8 and at least 4096 but was "
                    + maxFragmentBytes);
        }
        if (reassemblyTimeout.isNegative() || reassemblyTimeout.isZero()) {
            throw new IllegalArgumentException("reassembly timeout must be positive but was " + reassemblyTimeout);
        }
        if (nodeCount < 1) {
            throw new IllegalArgumentException("node count must be at least 1 but was " + nodeCount);
        }
        if (!ipc) {
            if (coordinatorNodes.isEmpty()) {
                throw new IllegalArgumentException("a UDP data plane needs at least one coordinator-role node");
            }
            boolean listed = coordinatorNodes.stream().anyMatch(n -> n.name().equals(localNode.name()));
            if (hostsCoordinator && !listed) {
                throw new IllegalArgumentException("node " + localNode.name() + " hosts the coordinator but is not "
                        + "among the coordinator-role nodes " + coordinatorNodes.stream().map(Node::name).toList());
            }
        }
    }

    /**
     * A node of a multi-node run over UDP, with the default reassembly timeout and fragment size.
     *
     * @see AeronTransportSettings the meaning of each parameter
     */
    public static AeronTransportSettings udp(String runId, RunSecret secret, Node localNode,
                                             List<Node> coordinatorNodes, boolean hostsCoordinator, int nodeCount,
                                             long phiLength, DataType phiDataType, AeronSettings aeron) {
        return new AeronTransportSettings(runId, secret, localNode, coordinatorNodes, hostsCoordinator, nodeCount,
                phiLength, phiDataType, aeron, false, DEFAULT_REASSEMBLY_TIMEOUT, DEFAULT_MAX_FRAGMENT_BYTES);
    }

    /**
     * Node {@code nodeName} of {@code cluster} (the config file): its own entry, every coordinator-role node, and
     * whether it holds the coordinator role.
     *
     * @throws IllegalArgumentException when the file has no node of that name
     */
    public static AeronTransportSettings fromCluster(ClusterSettings cluster, String nodeName, String runId,
                                                     RunSecret secret, long phiLength, DataType phiDataType) {
        NodeSettings local = cluster.node(nodeName).orElseThrow(() -> new IllegalArgumentException("node \""
                + nodeName + "\" is not among cluster.nodes " + cluster.nodes().stream().map(NodeSettings::name)
                .toList()));
        List<Node> coordinators = cluster.withRole(NodeSettings.COORDINATOR).stream().map(Node::of).toList();
        return udp(runId, secret, Node.of(local), coordinators, local.hasRole(NodeSettings.COORDINATOR),
                cluster.nodes().size(), phiLength, phiDataType, cluster.aeron());
    }

    /**
     * Everything in one JVM over {@code aeron:ipc}: the transport is worker and coordinator side at once. The default
     * driver directory gets a suffix unique in this JVM, so several may run side by side (tests).
     */
    public static AeronTransportSettings ipc(String runId, RunSecret secret, long phiLength, DataType phiDataType,
                                             AeronSettings aeron) {
        String name = "ipc-" + ProcessHandle.current().pid() + "-" + IPC_INSTANCES.incrementAndGet();
        return new AeronTransportSettings(runId, secret, new Node(name, "localhost", 1), List.of(), true, 1,
                phiLength, phiDataType, aeron, true, DEFAULT_REASSEMBLY_TIMEOUT, DEFAULT_MAX_FRAGMENT_BYTES);
    }

    /** These settings with another reassembly timeout. */
    public AeronTransportSettings withReassemblyTimeout(Duration timeout) {
        return new AeronTransportSettings(runId, secret, localNode, coordinatorNodes, hostsCoordinator, nodeCount,
                phiLength, phiDataType, aeron, ipc, timeout, maxFragmentBytes);
    }

    /** These settings with another fragment size cap. */
    public AeronTransportSettings withMaxFragmentBytes(int bytes) {
        return new AeronTransportSettings(runId, secret, localNode, coordinatorNodes, hostsCoordinator, nodeCount,
                phiLength, phiDataType, aeron, ipc, reassemblyTimeout, bytes);
    }

    /**
     * The media driver directory: {@code aeron.dir} when set, else {@code /dev/shm/metareward-<runId>-<node>}
     * (the system temporary folder where there is no /dev/shm).
     */
    public Path driverDirectory() {
        if (aeron.dir().isPresent()) {
            return Path.of(aeron.dir().get());
        }
        return defaultDriverParent().resolve("metareward-" + sanitize(runId) + "-" + sanitize(localNode.name()));
    }

    /** /dev/shm (memory-backed, where Aeron's logs belong), or the system temporary folder where there is none. */
    static Path defaultDriverParent() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
