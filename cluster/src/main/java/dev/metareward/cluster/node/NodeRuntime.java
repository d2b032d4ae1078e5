package dev.metareward.cluster.node;

import dev.metareward.actors.transport.Transport;
import dev.metareward.cluster.run.PreparedRun;
import dev.metareward.tensors.device.DevicePlacement;
import dev.metareward.config.DeviceSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.NodeSettings;
import dev.metareward.metrics.TrainerMeters;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the actors of one node share, created before its actor system: the run's settings, this node's entry, the
 * prepared data and model, the node's data-plane transport, its meters, and how the node's part in the run ended. Actors that
 * land on this node (sharded domain workers, singletons) are built from it by the factories the guardian registers.
 */
public final class NodeRuntime {

    private final PreparedRun run;
    private final NodeSettings self;
    private final Transport transport;
    private final TrainerMeters meters;
    private final CompletableFuture<RunEnd> end = new CompletableFuture<>();
    private final AtomicInteger workersStarted = new AtomicInteger();

    public NodeRuntime(PreparedRun run, NodeSettings self, Transport transport, TrainerMeters meters) {
        this.run = run;
        this.self = self;
        this.transport = transport;
        this.meters = meters;
    }

    public MetarewardConfig config() {
        return run.config();
    }

    public PreparedRun run() {
        return run;
    }

    public NodeSettings self() {
        return self;
    }

    public Transport transport() {
        return transport;
    }

    /** This node's meters: the coordinator, domain workers and evaluator that run here record into them. */
    public TrainerMeters meters() {
        return meters;
    }


    /** The GPU of the next domain worker started on this node: this node's GPUs dealt round-robin; none on CPU. */
    public OptionalInt nextWorkerDevice() {
        // Built here, not at start: only worker nodes have GPUs (a CUDA node without any is a config error for them).
        DevicePlacement placement = new DevicePlacement(new DeviceSettings(config().device().backend(), self.gpus(),
                config().device().engine(), config().device().cpuThreads()));
        return placement.gpuFor(workersStarted.getAndIncrement());
    }

    /** Completes once: how this node's part of the run ended. */
    public CompletableFuture<RunEnd> end() {
        return end;
    }
}
