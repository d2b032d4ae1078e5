package dev.metareward.cluster.aeron;

import dev.metareward.cluster.aeron.AeronTransportSettings.Node;
import dev.metareward.config.AeronSettings;

/**
 * The Aeron channels and streams of the data plane (docs/DATA-PLANE.md, "Topology"). Host names are used as given
 * (IPv6 literals need brackets).
 */
public final class DataPlaneChannels {

    /** Stream of contribution frames (worker to coordinator). */
    public static final int CONTRIBUTION_STREAM_ID = 1001;
    /** Stream of phi broadcasts (coordinator to every node). */
    public static final int PHI_STREAM_ID = 1002;

    private DataPlaneChannels() {
    }

    /** Where coordinator-role node {@code node} receives contributions: its own endpoint, port aeronPort. */
    public static String contributionSubscription(Node node) {
        return "aeron:udp?endpoint=" + node.host() + ":" + node.aeronPort();
    }

    /**
     * The publication of contributions from every node to coordinator-role node {@code node}: plain unicast (one
     * receiver, receiver-paced flow control, so a coordinator that stops reading back-pressures the workers).
     */
    public static String contributionPublication(Node node, AeronSettings aeron) {
        return "aeron:udp?endpoint=" + node.host() + ":" + node.aeronPort() + shape(aeron);
    }

    /**
     * Phi broadcasts of coordinator-role node {@code node}: dynamic multi-destination cast whose control address is
     * its aeronPort + 1; subscribers register there themselves.
     */
    public static String phiPublication(Node node, AeronSettings aeron) {
        return "aeron:udp?control=" + node.host() + ":" + (node.aeronPort() + 1) + "|control-mode=dynamic|fc=min"
                + shape(aeron);
    }

    /**
     * The subscription of {@code local} to the phi broadcasts of coordinator-role node {@code coordinator}: data
     * arrives on an ephemeral port of {@code local}'s host.
     */
    public static String phiSubscription(Node local, Node coordinator) {
        return "aeron:udp?endpoint=" + local.host() + ":0|control=" + coordinator.host() + ":"
                + (coordinator.aeronPort() + 1) + "|control-mode=dynamic";
    }

    /** Both streams inside one JVM. */
    public static String ipc(AeronSettings aeron) {
        return "aeron:ipc?term-length=" + aeron.termLength() + "|mtu=" + aeron.mtu();
    }

    private static String shape(AeronSettings aeron) {
        return "|term-length=" + aeron.termLength() + "|mtu=" + aeron.mtu();
    }
}
