package dev.metareward.config;

import java.nio.file.Path;

/** Identity of a run: its id (tags checkpoints, metrics, frames), master seed and output folder. */
public record RunSettings(String id, long seed, Path outputDir) {
    static RunSettings read(SettingsReader r) {
        String id = r.string("id");
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            r.problem("id", "expected 1-64 characters of letters, digits, '.', '_' or '-' but was \"" + id + "\"");
        }
        return new RunSettings(id, r.longAtLeast("seed", Long.MIN_VALUE), Path.of(r.string("output-dir")));
    }
}
