package dev.metareward.cluster.cli;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.MetarewardConfig;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults of the data commands taken from {@code reference.conf} ({@code data.builtin}, {@code data.eval-fraction}),
 * so the CLI and the trainer cannot drift apart and {@code --help} shows the real values.
 */
final class BuiltinDataDefaults implements IDefaultValueProvider {

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        MetarewardConfig defaults = MetarewardConfig.defaults();
        BuiltinDataSettings builtin = defaults.data().builtin();
        return switch (option.longestName()) {
            case "--per-domain" -> Integer.toString(builtin.prefPerDomain());
            case "--seed" -> Long.toString(builtin.seed());
            case "--wordnet-dir" -> builtin.wordnetDir().toString();
            case "--eval-fraction" -> Double.toString(defaults.data().evalFraction());
            default -> null;
        };
    }
}
