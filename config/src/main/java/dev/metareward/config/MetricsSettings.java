package dev.metareward.config;

/** The Prometheus endpoint of this node; port 0 disables it. */
public record MetricsSettings(String host, int port) {
    static MetricsSettings read(SettingsReader r) {
        return new MetricsSettings(r.string("host"), r.intIn("port", 0, 65535));
    }
}
