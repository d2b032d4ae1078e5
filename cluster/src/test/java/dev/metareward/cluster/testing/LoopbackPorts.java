package dev.metareward.cluster.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Free loopback ports for the nodes of a test cluster (TCP for Pekko, pairs of UDP ports for Aeron). */
public final class LoopbackPorts {

    private final Set<Integer> taken = new HashSet<>();

    /** A free TCP port, different from every port this instance handed out before. */
    public int tcp() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (taken.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
    }

    /** p such that UDP ports p and p + 1 are both free (a node's Aeron ports). */
    public int udpPair() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            if (!taken.contains(p) && !taken.contains(p + 1) && udpFree(p) && udpFree(p + 1)) {
                taken.add(p);
                taken.add(p + 1);
                return p;
            }
        }
        throw new IllegalStateException("no pair of free UDP ports found");
    }

    private static boolean udpFree(int port) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
