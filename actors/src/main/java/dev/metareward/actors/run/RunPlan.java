package dev.metareward.actors.run;

import dev.metareward.actors.checkpoint.CheckpointStore;
import dev.metareward.actors.checkpoint.RunState;
import dev.metareward.actors.coordinator.CoordinatorSettings;
import dev.metareward.actors.evaluator.PhiEvaluation;
import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.worker.DomainSlot;
import dev.metareward.actors.worker.DomainStepFactory;
import dev.metareward.actors.worker.SupervisionSettings;
import dev.metareward.actors.worker.WorkerSettings;
import dev.metareward.config.TimeoutSettings;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything the run guardian starts from, resolved (resume applied, optimizer restored). Built by
 * {@link LocalTrainingRun}; a cluster launcher builds the parts it places on each node.
 *
 * @param coordinator the coordinator's settings
 * @param initial the state the coordinator starts from
 * @param optimizer the outer optimizer, restored to {@code initial}'s state when resuming
 * @param workers one entry per training domain: its slot (batches at their resumed position, next sequence) and
 *                settings, in training-domain order
 * @param steps builds each worker's computer on its own thread
 * @param transport the data plane; the guardian closes it when the run ends
 * @param checkpoints where the coordinator checkpoints
 * @param evaluation evaluates snapshots, when the run evaluates
 * @param listener observes the run
 * @param meters where the coordinator, workers and evaluator record
 * @param supervision restart policy of workers
 * @param timeouts every wait of the guardian
 * @param resumedFrom the checkpoint {@code initial} was read from
 */
public record RunPlan(CoordinatorSettings coordinator, RunState initial, OuterOptimizer optimizer,
                      List<Worker> workers, DomainStepFactory steps, Transport transport, CheckpointStore checkpoints,
                      Optional<PhiEvaluation> evaluation, RunListener listener, TrainerMeters meters,
                      SupervisionSettings supervision,
                      TimeoutSettings timeouts, Optional<Path> resumedFrom) {

    public RunPlan {
        workers = List.copyOf(workers);
    }

    /** One domain worker to start. */
    public record Worker(DomainSlot slot, WorkerSettings settings) {
    }
}
