package dev.metareward.cluster.cli;

import dev.metareward.config.MetarewardConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --config} file and {@code --set key=value} overrides shared by every command that reads a config. */
public final class ConfigOptions {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "HOCON config file, e.g. config/local.conf.")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one setting (HOCON value; 'metareward.' prefix optional), e.g. --set outer.steps=10.")
    List<String> overrides = new ArrayList<>();

    public MetarewardConfig load() {
        return MetarewardConfig.load(file, overrides);
    }
}
