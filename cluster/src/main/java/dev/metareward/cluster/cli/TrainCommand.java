package dev.metareward.cluster.cli;

import dev.metareward.actors.run.LocalTrainingRun;
import dev.metareward.actors.run.RunListener;
import dev.metareward.actors.run.RunOptions;
import dev.metareward.actors.run.RunResult;
import dev.metareward.cluster.local.LocalComponents;
import dev.metareward.cluster.run.FinalReport;
import dev.metareward.cluster.run.OuterDiagnosticsLog;
import dev.metareward.cluster.run.OuterLossLog;
import dev.metareward.cluster.run.OutputFolder;
import dev.metareward.cluster.run.PreparedRun;
import dev.metareward.cluster.run.Progress;
import dev.metareward.cluster.run.RunMetrics;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.metrics.NodeMetrics;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.report.OuterStepDiagnostics;
import dev.metareward.tensors.checkpoint.CheckpointMismatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metareward train}: data (generated if needed) -> base warm start -> meta-training through the actor system
 * (Algorithm 1: domain workers, reward coordinator, evaluator) -> meta-test on every held-out domain (Algorithm 2)
 * -> report with plots in the run's output folder.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline: data, base warm start, meta-training, meta-test on held-out domains, report.")
final class TrainCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);
    /** The run's settings as resolved, written into its output folder; --resume reads them back. */
    static final String RESOLVED_CONFIG = "resolved.conf";

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run whose output folder is DIR from its newest valid checkpoint "
                    + "(phi, optimizer, version, data positions) with the settings in DIR/resolved.conf (or --config); "
                    + "--set overrides apply on top, e.g. a larger outer.steps. Without it, a run starts at version 0 "
                    + "and moves earlier checkpoints of its output folder to checkpoints.previous/.")
    Path resume;

    @Override
    public Integer call() {
        MetarewardConfig config = loadConfig();
        if (config.cluster().enabled()) {
            throw new UserInputException("cluster.enabled = true: this config describes a cluster of "
                    + config.cluster().nodes().size() + " node(s); start them with `metareward launch-local --config "
                    + "FILE` (all on this machine) or `metareward node --config FILE --node NAME` (one per machine), "
                    + "or set cluster.enabled = false for a single-process run");
        }
        Path out = config.run().outputDir();
        OutputFolder.prepare(out, resume != null);
        long started = System.nanoTime();
        // Served from the start, so the warm start and the final meta-test show up too (JVM, process, memory).
        try (NodeMetrics metrics = RunMetrics.start(config.metrics(), config.run().id(), RunMetrics.LOCAL_NODE)) {
            return train(config, out, started, metrics.meters());
        }
    }

    private int train(MetarewardConfig config, Path out, long started, TrainerMeters meters) {
        PreparedRun prepared = PreparedRun.prepare(config);
        RunMetrics.recordData(meters, prepared.data().loadReport(), prepared.batcher());
        RunResult result;
        List<Double> outerLoss;
        List<OuterStepDiagnostics> diagnostics;
        try (OuterLossLog losses = resume != null ? OuterLossLog.resumed(out) : OuterLossLog.fresh(out);
             OuterDiagnosticsLog measured = OuterDiagnosticsLog.inFolder(out,
                     config.data().trainingDomains().size(), resume != null)) {
            result = metaTrain(config, prepared.components(), losses, meters, measured);
            outerLoss = losses.upTo(result.version());
            diagnostics = measured.steps();
        }
        if (result.outcome() != RunResult.Outcome.COMPLETED) {
            System.err.printf("meta-training %s at phi version %d%s; checkpoint: %s%n", result.outcome(), result.version(),
                    result.error().map(e -> " (" + e.getMessage() + ")").orElse(""),
                    result.finalCheckpoint().map(Path::toString).orElse("none"));
            return result.outcome() == RunResult.Outcome.STOPPED ? 130 : 1;
        }
        INDArray phi = result.best().map(b -> {
            LOG.info("meta-test uses the best phi by training-domain PL accuracy: version {} ({})", b.result().version(),
                    String.format("%.3f", b.result().trainingPlAccuracy()));
            return b.phi();
        }).orElseGet(() -> result.phi().orElseThrow());

        FinalReport.write(prepared, phi, outerLoss, diagnostics, result.version(),
                result.resumedFrom().map(Path::toString).orElse(""), started);
        return 0;
    }

    /**
     * The config of a new run, or of the run in the --resume folder: its own resolved.conf unless --config is given
     * (a resumed run must keep the model shape and data of the checkpoints), with run.output-dir pinned to DIR.
     */
    private MetarewardConfig loadConfig() {
        if (resume == null) {
            return configOptions.load();
        }
        if (!Files.isDirectory(resume.resolve("checkpoints"))) {
            throw new UserInputException("--resume " + resume + ": no checkpoints folder there; expected the output "
                    + "folder of an earlier run (its run.output-dir)");
        }
        Path resolved = resume.resolve(RESOLVED_CONFIG);
        if (!configOptions.hasFile() && !Files.isRegularFile(resolved)) {
            throw new UserInputException("--resume " + resume + ": no " + RESOLVED_CONFIG + " there to take the "
                    + "run's settings from; pass the run's --config FILE and --set overrides");
        }
        configOptions.overrides.add("run.output-dir=\"" + resume.toString().replace("\"", "\\\"") + "\"");
        return configOptions.loadOr(resolved);
    }

    private RunResult metaTrain(MetarewardConfig config, LocalComponents components, OuterLossLog losses,
                                TrainerMeters meters, OuterDiagnosticsLog diagnostics) {
        Progress progress = new Progress("meta-training", config.outer().steps());
        RunListener listener = new RunListener() {
            @Override
            public void onStart(long version, long targetVersion) {
                progress.startAt(version, targetVersion);
            }

            @Override
            public void onUpdate(UpdateEvent event) {
                losses.record(event.version(), event.meanOuterLoss());
                progress.step(String.format("v%d loss_PL %.4f", event.version(), event.meanOuterLoss()));
            }

            @Override
            public void onEvaluation(EvaluationEvent event) {
                LOG.info("evaluator: phi v{} training-domain PL accuracy {} held-out {}{}", event.result().version(),
                        String.format("%.3f", event.result().trainingPlAccuracy()), event.result().heldOutPlAccuracy(),
                        event.newBest() ? " (new best)" : "");
            }
        };
        LocalTrainingRun run;
        try {
            run = LocalTrainingRun.start(config, components.build(meters, diagnostics), listener,
                    RunOptions.defaults().withResume(resume != null).withMeters(meters));
        } catch (CheckpointMismatchException e) {
            progress.close();
            throw new UserInputException((resume != null ? "--resume " + resume + ": " : "") + e.getMessage(), e);
        }
        // SIGTERM / Ctrl-C: stop the run cleanly (final checkpoint) before the JVM exits; the exit code is non-zero.
        // Registered first thing, so that no moment of the run is without it.
        Thread hook = new Thread(() -> {
            run.requestStop("the process received a termination signal");
            RunResult stopped = run.awaitResult();
            System.err.printf("stopped at phi version %d; resume with --resume %s%n", stopped.version(),
                    config.run().outputDir());
        }, "metareward-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            // Only now: a resume that was refused must leave the settings of the checkpoints' run in place.
            writeResolvedConfig(config, config.run().outputDir().resolve(RESOLVED_CONFIG));
            RunResult result = run.awaitResult();
            result.resumedFrom().ifPresent(p -> LOG.info("resumed from {}", p));
            return result;
        } catch (RuntimeException e) {
            // A failing command must not leave the run's threads behind (the CLI also runs embedded, e.g. in tests).
            run.requestStop("the train command failed: " + e.getMessage());
            run.awaitResult();
            throw e;
        } finally {
            progress.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it owns the stop
            }
        }
    }

    /** Writes the resolved settings to {@code file} in a form that parses back (train --resume reads it). */
    static void writeResolvedConfig(MetarewardConfig config, Path file) {
        try {
            // render() leaves out the root object's braces; with them the file parses back.
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, "metareward {\n" + config.render(true) + "}\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

}
