package dev.metareward.cluster.cli;

import dev.metareward.cluster.run.PreparedRun;
import dev.metareward.cluster.run.Progress;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.experiment.ExperimentRunner;
import dev.metareward.tensors.experiment.ResultSet;
import dev.metareward.tensors.experiment.report.ExperimentReport;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metareward experiment}: the grid of the {@code experiment} block (folds x seeds x methods, optional beta
 * sweep) on one machine, then the report folder (docs/EXPERIMENTS.md). Finished cells are kept, so running the same
 * command again after an interruption continues where it stopped.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run the held-out comparison of methods (leave-one-domain-out or k-fold, several seeds) and "
                + "write table3.md, figures and CSV/JSON of every number into experiment.output-dir.")
final class ExperimentCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentCommand.class);
    static final String RESOLVED_CONFIG = "experiment.conf";

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--report-only", description = "Only write the report, from the cells of this grid finished "
            + "so far under experiment.output-dir/cells (no training; also for an interrupted experiment).")
    boolean reportOnly;

    @Override
    public Integer call() {
        MetarewardConfig config = configOptions.load();
        Path out = config.experiment().outputDir();
        if (reportOnly) {
            // From the finished cells of this config's grid, so it also reports an interrupted experiment.
            ResultSet finished = new ExperimentRunner(config, null).finished();
            if (finished.outcomes().isEmpty()) {
                throw new UserInputException("--report-only: no finished cells of this grid under " + out.resolve("cells")
                        + "; run the experiment first");
            }
            LOG.info("report from {} of {} cells", finished.provenance().get("cells_finished"),
                    finished.provenance().get("cells_in_grid"));
            print(ExperimentReport.write(finished, out), out);
            return 0;
        }
        if (config.cluster().enabled()) {
            throw new UserInputException("cluster.enabled = true: the experiment runs in one process; set "
                    + "cluster.enabled = false");
        }
        PreparedRun.requireLoadedBackend(config);
        TrainCommand.writeResolvedConfig(config, out.resolve(RESOLVED_CONFIG));
        ResultSet results;
        try (Progress cells = new Progress("experiment cells", 1)) {
            ExperimentRunner runner = new ExperimentRunner(config,
                    new ExperimentRunner.Listener() {
                        private boolean started;

                        @Override
                        public void onCell(int done, int total, String message) {
                            if (!started) {
                                cells.startAt(0, total);
                                started = true;
                            }
                            cells.step(message);
                        }

                        @Override
                        public PhaseListener phases() {
                            return ExperimentCommand::logPhase;
                        }
                    });
            results = runner.run();
        }
        print(ExperimentReport.write(results, out), out);
        LOG.info("experiment finished in {} s", String.format("%.0f", (Double) results.provenance().get("wall_seconds")));
        return 0;
    }

    /** Phases inside a cell log about every 10% (the cells' progress bar owns the terminal line). */
    private static void logPhase(String phase, long done, long total, String message) {
        if (done == total || done * 10 / total != (done - 1) * 10 / total) {
            LOG.info("{}: {}/{} {}", phase, done, total, message);
        }
    }

    private static void print(String table, Path out) {
        System.out.println(table);
        System.out.println("report: " + out.toAbsolutePath());
    }
}
