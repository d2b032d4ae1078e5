package dev.metareward.config;

import java.time.Duration;

/** Every wait in the system is bounded by one of these. */
public record TimeoutSettings(Duration ask, Duration contribution, Duration phiVersion, Duration clusterFormation) {
    static TimeoutSettings read(SettingsReader r) {
        return new TimeoutSettings(r.duration("ask"), r.duration("contribution"), r.duration("phi-version"),
                r.duration("cluster-formation"));
    }
}
