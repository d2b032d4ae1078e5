package dev.metareward.actors.run;

import dev.metareward.actors.checkpoint.CheckpointStore;
import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.checkpoint.RotatingCheckpointStore;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.actors.coordinator.CoordinatorSettings;
import dev.metareward.actors.coordinator.CoordinatorStart;
import dev.metareward.actors.transport.InProcessTransport;
import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.worker.DomainSlot;
import dev.metareward.actors.worker.WorkerSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.device.DevicePlacement;
import dev.metareward.tensors.checkpoint.CheckpointMismatchException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meta-training (Algorithm 1) as an actor system inside one JVM: a reward coordinator, one domain worker per
 * training domain on its own pinned thread, an evaluator, an in-process transport, checkpoints under the run's
 * output directory. The single entry point for the CLI:
 *
 * <pre>{@code
 * RunResult result = LocalTrainingRun.run(config, components, listener);          // blocks until the run ends
 * // or, to stop it from elsewhere (Ctrl-C):
 * LocalTrainingRun run = LocalTrainingRun.start(config, components, listener, RunOptions.defaults());
 * Runtime.getRuntime().addShutdownHook(new Thread(() -> run.requestStop("interrupted")));
 * RunResult result = run.awaitResult();
 * }</pre>
 *
 * <p>By default a run resumes from the newest valid checkpoint of {@code <run.output-dir>/checkpoints}: phi, version,
 * optimizer state, and every domain's data position and sequence number; a corrupt newest file is skipped in favour
 * of the previous one. The run ends when phi reaches version {@code outer.steps} (outcome COMPLETED), on
 * {@link #requestStop} (STOPPED) or on a fatal error (FAILED, with the error); each way writes a final checkpoint
 * when the coordinator is alive.
 */
public final class LocalTrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(LocalTrainingRun.class);

    private final ActorSystem<TrainingRun.Command> system;
    private final CompletableFuture<RunResult> result;
    private final Duration terminationWait;

    private LocalTrainingRun(ActorSystem<TrainingRun.Command> system, CompletableFuture<RunResult> result,
                             Duration terminationWait) {
        this.system = system;
        this.result = result;
        this.terminationWait = terminationWait;
    }

    /** Runs to the end with {@link RunOptions#defaults()} and returns how it ended (never throws for a failed run). */
    public static RunResult run(MetarewardConfig config, TrainingComponents components, RunListener listener) {
        return start(config, components, listener, RunOptions.defaults()).awaitResult();
    }

    /**
     * Starts a run and returns at once.
     *
     * @throws IllegalArgumentException when the components do not match the config's training domains
     * @throws CheckpointMismatchException when the newest valid checkpoint was written for another run id or
     *                                     another model shape
     * @throws UncheckedIOException when the checkpoint directory cannot be read
     */
    public static LocalTrainingRun start(MetarewardConfig config, TrainingComponents components, RunListener listener,
                                         RunOptions options) {
        List<String> domains = config.data().trainingDomains();
        if (!new HashSet<>(domains).equals(components.trainingBatches().keySet())) {
            throw new IllegalArgumentException("data.training-domains is " + domains + " but batches were built for "
                    + components.trainingBatches().keySet());
        }
        String runId = config.run().id();
        Path directory = options.checkpointDirectory().orElse(config.run().outputDir().resolve("checkpoints"));
        CheckpointStore store = new RotatingCheckpointStore(directory, config.training().keepCheckpoints());
        CoordinatorStart begin = options.resume()
                ? CoordinatorStart.fromCheckpoints(runId, components.initialPhi(), config.outer(), store)
                : CoordinatorStart.fresh(runId, components.initialPhi(), config.outer());
        RunState initial = begin.initial();
        Optional<Path> resumedFrom = begin.resumedFrom();

        DevicePlacement placement = new DevicePlacement(config.device());
        List<RunPlan.Worker> workers = new ArrayList<>();
        for (int i = 0; i < domains.size(); i++) {
            String domain = domains.get(i);
            DomainBatches batches = components.trainingBatches().get(domain);
            DomainResume resume = initial.domains().get(domain);
            long nextSequence = 1;
            if (resume != null) {
                batches.restorePosition(resume.position());
                nextSequence = resume.lastSequence() + 1;
            }
            WorkerSettings settings = WorkerSettings.of(config, placement.gpuFor(i));
            workers.add(new RunPlan.Worker(new DomainSlot(batches, nextSequence), settings));
        }
        Transport transport = options.transport().orElseGet(InProcessTransport::new);
        CoordinatorSettings coordinator = CoordinatorSettings.of(config);
        RunPlan plan = new RunPlan(coordinator, initial, begin.optimizer(), workers, components.steps(), transport,
                store, components.evaluation(), listener, options.meters(), options.supervision(), config.timeouts(),
                resumedFrom);

        CompletableFuture<RunResult> result = new CompletableFuture<>();
        ActorSystem<TrainingRun.Command> system = ActorSystem.create(TrainingRun.create(plan, result),
                "metareward-" + runId.replace('.', '-'), config.resolved());
        system.getWhenTerminated().whenComplete((done, error) -> {
            // A guardian that died without a result must not leave awaitResult waiting.
            result.complete(new RunResult(RunResult.Outcome.FAILED, initial.version(), resumedFrom, Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(new RunFailedException(
                    "the actor system of run '" + runId + "' terminated before the run produced a result", error))));
        });
        return new LocalTrainingRun(system, result, config.timeouts().contribution());
    }


    /** Completes when the run has ended. */
    public CompletionStage<RunResult> result() {
        return result;
    }

    /** Asks the run to stop cleanly (workers stop, final checkpoint, last evaluation); returns at once. */
    public void requestStop(String reason) {
        system.tell(new TrainingRun.Stop(reason));
    }

    /**
     * Waits for the run's result, then for its actor system to terminate (a worker finishes the step in flight;
     * bounded by timeouts.contribution, logged when it passes).
     */
    public RunResult awaitResult() {
        RunResult runResult = result.join();
        try {
            system.getWhenTerminated().toCompletableFuture().get(terminationWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the actor system did not terminate within {} (timeouts.contribution) after the run ended; a "
                    + "domain worker is probably still finishing its step", terminationWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warn("the actor system terminated with an error: {}", e.getCause().toString());
        }
        return runResult;
    }
}
