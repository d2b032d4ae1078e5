package dev.metareward.config;

import java.util.Optional;

/**
 * The node's Aeron media driver and the shape of its data-plane channels.
 *
 * @param dir media driver directory; empty = a per-run, per-node folder under /dev/shm
 * @param externalDriver connect to a driver already running at {@code dir} instead of embedding one
 * @param termLength term buffer length of every publication (a power of two, 64k..1g); each publication maps three
 *                   terms, and the largest single Aeron message is termLength / 8
 * @param mtu UDP datagram size (8k moves several times the bytes of the 1408-byte default on loopback)
 */
public record AeronSettings(Optional<String> dir, boolean externalDriver, int termLength, int mtu) {

    static AeronSettings read(SettingsReader r) {
        String dir = r.string("dir");
        int term = (int) r.bytesIn("term-length", 64 * 1024, 1024L * 1024 * 1024);
        if (Integer.bitCount(term) != 1) {
            r.problem("term-length", "expected a power of two such as 16m or 64m but was " + term + " bytes");
        }
        int mtu = (int) r.bytesIn("mtu", 1408, 65504);
        if (mtu % 32 != 0) {
            r.problem("mtu", "expected a multiple of 32 bytes but was " + mtu);
        }
        boolean external = r.bool("external-driver");
        if (external && dir.isBlank()) {
            r.problem("dir", "expected the directory of the running media driver when external-driver = true");
        }
        return new AeronSettings(dir.isBlank() ? Optional.empty() : Optional.of(dir), external, term, mtu);
    }
}
