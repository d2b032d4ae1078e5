package dev.metareward.config;

import java.util.List;

/** Shape of the generated controlled-sentiment data set (docs/DATA.md). */
public record BuiltinDataSettings(List<String> domains, int sftPerDomain, int prefPerDomain, long seed) {
    public BuiltinDataSettings {
        domains = List.copyOf(domains);
    }

    static BuiltinDataSettings read(SettingsReader r) {
        List<String> domains = r.strings("domains");
        if (domains.isEmpty()) {
            r.problem("domains", "expected at least one domain name");
        }
        return new BuiltinDataSettings(domains, r.intAtLeast("sft-per-domain", 1), r.intAtLeast("pref-per-domain", 1),
                r.longAtLeast("seed", Long.MIN_VALUE));
    }
}
