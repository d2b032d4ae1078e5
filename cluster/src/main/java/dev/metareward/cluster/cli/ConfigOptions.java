package dev.metareward.cluster.cli;

import dev.metareward.config.MetarewardConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --config} file and {@code --set key=value} overrides shared by every command that reads a config. */
public final class ConfigOptions {

    // Not picocli-required: `train --resume DIR` falls back to the run's own resolved.conf.
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "HOCON config file, e.g. config/local.conf (required, except for train --resume DIR, "
                    + "which defaults to DIR/resolved.conf).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one setting (HOCON value; 'metareward.' prefix optional), e.g. --set outer.steps=10.")
    List<String> overrides = new ArrayList<>();

    /** Loads {@code --config} with the overrides; fails as a user error when no file was given. */
    public MetarewardConfig load() {
        if (file == null) {
            throw new UserInputException("missing --config FILE: name the run's HOCON config, e.g. --config "
                    + "config/local.conf");
        }
        return MetarewardConfig.load(file, overrides);
    }

    /** Loads {@code --config} when given, else {@code fallback}; the overrides apply either way. */
    public MetarewardConfig loadOr(Path fallback) {
        return MetarewardConfig.load(file != null ? file : fallback, overrides);
    }

    /** True when the user named a config file. */
    public boolean hasFile() {
        return file != null;
    }
}
