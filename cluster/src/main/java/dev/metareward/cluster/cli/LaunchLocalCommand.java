package dev.metareward.cluster.cli;

import dev.metareward.config.MetarewardConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metareward launch-local}: every node of the config file as a local process, logs prefixed with the node's
 * name. Data and the base warm start are prepared here first (the nodes then load them from the shared folders
 * instead of racing to compute them), and a random run secret is made when the file names none. The nodes'
 * coordinator resumes from the newest checkpoint of run.output-dir, so a new launch first moves earlier checkpoints
 * aside unless --resume. It stops every
 * node on Ctrl-C, and once a coordinator-role node has ended the run (the others end with it; any still alive
 * after --grace are stopped). Exit status: 0 when a coordinator-role node completed the run, otherwise the first
 * coordinator-role node's failing status.
 */
@Command(name = "launch-local", mixinStandardHelpOptions = true,
        description = "Start every node of a cluster config as a local process (prefixed logs); stop them all on "
                + "Ctrl-C or when the run ends; exit with the coordinator's status.")
final class LaunchLocalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "60",
            description = "After the run ended, how long nodes may take to exit before they are stopped "
                    + "(default: ${DEFAULT-VALUE}).")
    long graceSeconds;

    @Option(names = "--resume", description = "Continue the run in run.output-dir from its newest valid checkpoint. "
            + "Without it the run starts at version 0 and earlier checkpoints move to checkpoints.previous/.")
    boolean resume;

    @Override
    public Integer call() throws InterruptedException {
        MetarewardConfig config = configOptions.load();
        try (LocalCluster cluster = LocalCluster.start(config, configOptions.file, configOptions.overrides, resume,
                (node, line) -> System.out.println("[" + node + "] " + line))) {
            return cluster.awaitRunEnd(Duration.ofSeconds(graceSeconds));
        }
    }
}
