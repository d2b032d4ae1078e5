package dev.metareward.cluster.cli;

import dev.metareward.actors.coordinator.RewardCoordinator;
import dev.metareward.actors.run.RunListener;
import dev.metareward.actors.transport.Transport;
import dev.metareward.cluster.aeron.AeronTransport;
import dev.metareward.cluster.aeron.AeronTransportSettings;
import dev.metareward.cluster.aeron.RunSecret;
import dev.metareward.cluster.node.ClusterNode;
import dev.metareward.cluster.node.BestPhiFile;
import dev.metareward.cluster.node.RunEnd;
import dev.metareward.cluster.run.FinalReport;
import dev.metareward.cluster.run.OuterLossLog;
import dev.metareward.cluster.run.PreparedRun;
import dev.metareward.cluster.run.RunMetrics;
import dev.metareward.cluster.security.ArterySecurity;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.NodeSettings;
import dev.metareward.metrics.NodeMetrics;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metareward node}: runs one node of a cluster run (every node reads the same config file and names itself).
 * The node prepares data and base, joins the cluster and hosts what its roles allow; when the run ends it leaves,
 * and the node whose coordinator ended the run meta-tests the best phi and writes the report.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run one node of a cluster config (cluster.nodes): join the cluster, host the coordinator, "
                + "domain workers and evaluator its roles allow, exit when the run ends (0 completed, 1 failed, "
                + "143 stopped).")
final class NodeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--node", required = true, paramLabel = "NAME", description = "This node's name in cluster.nodes.")
    String nodeName;

    @Option(names = "--exit-with", paramLabel = "PID",
            description = "Stop this node when process PID exits (launch-local and tests pass their own pid, so a "
                    + "killed launcher never leaves nodes behind).")
    Long exitWith;

    @Override
    public Integer call() {
        long started = System.nanoTime();
        MetarewardConfig config = configOptions.load();
        if (!config.cluster().enabled()) {
            throw new UserInputException("`metareward node` runs one node of a cluster, but cluster.enabled = false "
                    + "in " + configOptions.file + "; run `metareward train` for a single-process run");
        }
        NodeSettings self = config.cluster().node(nodeName).orElseThrow(() -> new UserInputException("--node "
                + nodeName + ": no such node in cluster.nodes of " + configOptions.file + "; nodes there: "
                + config.cluster().nodes().stream().map(NodeSettings::name).toList()));
        try (NodeMetrics metrics = RunMetrics.start(config.metrics().forNode(self), config.run().id(), self.name())) {
            return run(config, self, metrics.meters(), started);
        }
    }

    private int run(MetarewardConfig config, NodeSettings self, TrainerMeters meters, long started) {
        PreparedRun prepared = PreparedRun.prepare(config);
        RunMetrics.recordData(meters, prepared.data().loadReport(), prepared.batcher());
        // Only a coordinator-role node can hold the coordinator, whose updates go to the run's shared loss log.
        try (OuterLossLog losses = self.hasRole(NodeSettings.COORDINATOR) ? OuterLossLog.shared(config.run().outputDir())
                : null) {
            ClusterNode node = ClusterNode.start(prepared, self, ArterySecurity.remotingConfig(config.cluster(), self),
                    dataPlane(config, self, prepared.components().copyOfModel(), meters), listener(losses), meters);
            Thread hook = new Thread(() -> node.stop("the process received a termination signal"), "node-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            if (exitWith != null) {
                ProcessHandle.of(exitWith).map(ProcessHandle::onExit)
                        .orElse(CompletableFuture.completedFuture(null))
                        .thenRun(() -> node.stop("process " + exitWith + " (--exit-with) has exited"));
            }
            RunEnd end = node.awaitEnd();
            LOG.info("node {}: {} ({})", self.name(), end.outcome(), end.message());
            node.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: the node is stopping already
            }
            if (end.finished().isPresent() && end.outcome() == RunEnd.Outcome.COMPLETED) {
                report(prepared, end, started);
            }
            return end.exitStatus();
        }
    }

    /**
     * This node's Aeron data plane, frames signed with the run secret (cluster.secret-file or its variable), its
     * counters exported as the node's data-plane meters.
     */
    private static Transport dataPlane(MetarewardConfig config, NodeSettings self, TransformerModel model,
                                       TrainerMeters meters) {
        RunSecret secret = RunSecret.resolve(config.cluster().secretFile(), config.cluster().secretEnv());
        AeronTransport transport = AeronTransport.start(AeronTransportSettings.fromCluster(config.cluster(),
                self.name(), config.run().id(), secret, model.reward().parameterCount(), model.dataType()));
        transport.stats().exportTo(meters);
        return transport;
    }

    /** @param losses the shared loss log, null on a node that cannot hold the coordinator */
    private static RunListener listener(OuterLossLog losses) {
        return new RunListener() {
            @Override
            public void onUpdate(UpdateEvent event) {
                if (losses != null) {
                    losses.record(event.version(), event.meanOuterLoss());
                }
            }

            @Override
            public void onEvaluation(EvaluationEvent event) {
                LOG.info("evaluator: phi v{} training-domain PL accuracy {} held-out {}{}", event.result().version(),
                        String.format("%.3f", event.result().trainingPlAccuracy()),
                        event.result().heldOutPlAccuracy(), event.newBest() ? " (new best)" : "");
            }
        };
    }

    /** The meta-test of the best phi (or the final one) on the held-out domains, and the report. */
    private static void report(PreparedRun prepared, RunEnd end, long started) {
        RewardCoordinator.Finished finished = end.finished().orElseThrow();
        long version = finished.state().version();
        INDArray phi = finished.state().phi();
        Path out = prepared.config().run().outputDir();
        if (end.bestVersion().isPresent()) {
            try {
                phi = BestPhiFile.read(out, phi);
                LOG.info("meta-test uses the best phi by training-domain PL accuracy: version {}",
                        end.bestVersion().get());
            } catch (IOException | RuntimeException e) {
                LOG.error("could not read the best phi {} ({}); the meta-test uses the final phi",
                        BestPhiFile.in(out), e.toString());
            }
        }
        // Read again: coordinators on other nodes (before a fail-over) appended versions this node never saw.
        List<Double> losses;
        try (OuterLossLog all = OuterLossLog.shared(out)) {
            losses = all.upTo(version);
        }
        // A cluster coordinator always starts from the newest checkpoint there is; the log says which.
        // Each node's workers log their diagnostics; no node sees every step's, so the report leaves them out.
        FinalReport.write(prepared, phi, losses, List.of(), version, "", started);
    }
}
