package dev.metareward.cluster.security;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The insecure-bind rule: without TLS, any process that reaches a node's Artery port can join the cluster and send
 * the coordinator gradients, so a node without TLS binds only to a loopback address unless the user opts in with
 * {@code cluster.allow-insecure = true}. Pure functions; {@link ArterySecurity} applies them at node start.
 */
public final class InsecureBind {

    /** What the rule decides for one node. */
    public enum Verdict {
        /** TLS with mutual authentication is on: any address is fine. */
        TLS,
        /** No TLS, but the address is loopback: only processes on this machine can connect. */
        LOOPBACK,
        /** No TLS on a network address, allowed by {@code cluster.allow-insecure = true}: start, but warn loudly. */
        INSECURE_ALLOWED,
        /** No TLS on a network address without the opt-in: refuse to start. */
        REFUSED
    }

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_LOOPBACK = Pattern.compile("\\[?(0{0,4}:){2,7}0{0,3}1\\]?");

    private InsecureBind() {
    }

    /**
     * Applies the rule to the address a node binds Artery to.
     *
     * @param host the node's {@code host} (Artery binds to its canonical hostname)
     * @param tlsEnabled {@code cluster.tls.enabled}
     * @param allowInsecure {@code cluster.allow-insecure}
     * @return the verdict; never throws
     */
    public static Verdict check(String host, boolean tlsEnabled, boolean allowInsecure) {
        if (tlsEnabled) {
            return Verdict.TLS;
        }
        if (isLoopback(host)) {
            return Verdict.LOOPBACK;
        }
        return allowInsecure ? Verdict.INSECURE_ALLOWED : Verdict.REFUSED;
    }

    /**
     * True for {@code localhost}, IPv4 127.0.0.0/8 and IPv6 {@code ::1}. Decided from the text alone, without DNS,
     * so the rule is pure and fails closed: any other name counts as a network address, even one that happens to
     * resolve to loopback (such as Debian's 127.0.1.1 host name), and so does the wildcard 0.0.0.0.
     *
     * @param host a host name or IP literal
     * @return whether binding to it keeps Artery off the network
     */
    public static boolean isLoopback(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        Matcher ipv4 = IPV4.matcher(h);
        if (ipv4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(ipv4.group(i)) > 255) {
                    return false;
                }
            }
            return Integer.parseInt(ipv4.group(1)) == 127;
        }
        return IPV6_LOOPBACK.matcher(h).matches();
    }

    /**
     * The one-sentence error of a {@link Verdict#REFUSED} node, naming the setting to change.
     *
     * @param index the node's position in {@code cluster.nodes}
     * @param name the node's name
     * @param host the node's host
     */
    static String refusal(int index, String name, String host) {
        return "'metareward.cluster.nodes[" + index + "].host' (node \"" + name + "\"): Artery would listen on \""
                + host + "\", which is not a loopback address, without TLS, so anyone who can reach it could join "
                + "the run and inject gradients; set cluster.tls.enabled = true with key and trust stores "
                + "(`metareward gen-certs DIR` writes a set to try), or bind to 127.0.0.1, or accept the risk with "
                + "cluster.allow-insecure = true";
    }

    /** The lines of the loud warning logged when a node starts under {@link Verdict#INSECURE_ALLOWED}. */
    static List<String> warning(String name, String host, int port) {
        String banner = "*".repeat(100);
        return List.of(
                banner,
                "INSECURE CLUSTER NODE \"" + name + "\": Artery listens on " + host + ":" + port
                        + " WITHOUT TLS (cluster.allow-insecure = true).",
                "Anyone who can reach this address on the network can join the cluster, read the run's control "
                        + "messages and inject gradients into the reward model.",
                "Use this only on a network you fully trust. To secure it: cluster.tls.enabled = true with key and "
                        + "trust stores (try `metareward gen-certs DIR`), then remove cluster.allow-insecure.",
                banner);
    }
}
