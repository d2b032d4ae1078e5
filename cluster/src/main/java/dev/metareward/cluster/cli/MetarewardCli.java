package dev.metareward.cluster.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.metareward.config.ConfigError;
import dev.metareward.metrics.MetricsEndpointException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of {@code bin/metareward}. */
@Command(name = "metareward", mixinStandardHelpOptions = true, version = "metareward 0.1.0",
        description = "Meta-learns a reward model that generalises to unseen preference domains.",
        subcommands = {ConfigCommand.class, TrainCommand.class, ExperimentCommand.class, NodeCommand.class,
            LaunchLocalCommand.class, GenDataCommand.class, DataStatsCommand.class, BenchCommand.class,
            SoakCommand.class, GenCertsCommand.class,
            CommandLine.HelpCommand.class})
public final class MetarewardCli implements Runnable {

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Log debug output, including ND4J's own messages.")
    void setVerbose(boolean verbose) {
        if (verbose) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.DEBUG);
            ((Logger) LoggerFactory.getLogger("org.nd4j")).setLevel(Level.INFO);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command line and returns its exit code: 0 success, 2 bad usage or config (a metrics port in use
     * included), 1 any other failure.
     */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new MetarewardCli());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ConfigError || ex instanceof UserInputException
                    || ex instanceof MetricsEndpointException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli.execute(args);
    }
}
