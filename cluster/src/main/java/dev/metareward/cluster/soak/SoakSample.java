package dev.metareward.cluster.soak;

import java.util.List;

/**
 * One sample of a soak: when, how many updates of phi the run has applied so far, and every node's memory.
 *
 * @param seconds since the soak started
 * @param updates updates applied since the soak started (cumulative)
 * @param restarts relaunches of the run and supervised restarts seen so far (cumulative)
 * @param nodes one entry per node of the run, in config order
 */
public record SoakSample(double seconds, long updates, int restarts, List<Node> nodes) {

    public SoakSample {
        nodes = List.copyOf(nodes);
    }

    /**
     * @param name the node
     * @param pid its process id at this sample
     * @param residentBytes VmRSS, or -1 when the process was not running
     * @param offHeapBytes ND4J's off-heap bytes (JavaCPP total bytes) from its metrics endpoint, or NaN when not available
     */
    public record Node(String name, long pid, long residentBytes, double offHeapBytes) {
    }
}
