package dev.metareward.cluster.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metareward config}: validates a config file and prints the resolved settings. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Validate a config file and print every resolved setting.")
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--origins", description = "Show, for each value, the file and line it came from.")
    boolean origins;

    @Override
    public Integer call() {
        System.out.println(config.load().render(origins));
        return 0;
    }
}
