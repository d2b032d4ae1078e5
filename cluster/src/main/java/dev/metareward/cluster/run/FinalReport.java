package dev.metareward.cluster.run;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.pipeline.Fingerprints;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.report.DomainResult;
import dev.metareward.tensors.report.OuterStepDiagnostics;
import dev.metareward.tensors.report.TrainingReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The last phase of a run, the same for {@code train} and for the cluster node that ends a run: meta-test (Algorithm
 * 2) on every held-out domain with the chosen phi, compared with SFT and the initial phi, then {@code report.json}
 * with plots in the output folder and the result table on stdout.
 */
public final class FinalReport {

    private FinalReport() {
    }

    /**
     * @param phi the phi to meta-test (the best by training-domain PL accuracy, else the final one)
     * @param outerLoss loss_PL of every version, in order
     * @param diagnostics what the outer steps measured, in order (empty when not recorded)
     * @param phiVersion version of the final phi
     * @param resumedFrom checkpoint the run resumed from, or empty
     * @param startedNanos {@link System#nanoTime()} when the process started the run
     */
    public static TrainingReport write(PreparedRun run, INDArray phi, List<Double> outerLoss,
                                       List<OuterStepDiagnostics> diagnostics, long phiVersion, String resumedFrom,
                                       long startedNanos) {
        MetarewardConfig config = run.config();
        HeldOutEvaluation evaluation = new HeldOutEvaluation(config, run.model().policy(), run.model().reward(),
                run.batcher(), run.components().judge(), run.components().ceilingReward());
        List<DomainResult> results = new ArrayList<>();
        try (Progress progress = new Progress("meta-test",
                (long) evaluation.fineTuningRuns() * config.data().heldOutDomains().size())) {
            for (String domain : config.data().heldOutDomains()) {
                results.add(evaluation.evaluate(run.data().domain(domain), run.components().initialPhi(), phi,
                        (phase, done, total, message) -> progress.step(domain + ": " + message)));
            }
        }
        Map<String, Object> provenance = provenance(run, phiVersion, resumedFrom, startedNanos);
        provenance.put("judge", evaluation.judgeDescription());
        TrainingReport report = new TrainingReport(config.run().id(), provenance, outerLoss, diagnostics, results);
        report.write(config.run().outputDir());
        System.out.println(ResultTable.format(report));
        System.out.println("report, plots and checkpoints: " + config.run().outputDir().toAbsolutePath());
        return report;
    }

    private static Map<String, Object> provenance(PreparedRun run, long phiVersion, String resumedFrom,
                                                  long startedNanos) {
        MetarewardConfig config = run.config();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("run_id", config.run().id());
        p.put("seed", config.run().seed());
        p.put("data", run.data().location());
        p.put("data_sha256", Fingerprints.ofData(run.data()));
        p.put("config_sha256", Fingerprints.of(config.render(false)));
        p.put("phi_version", phiVersion);
        p.put("resumed_from", resumedFrom);
        p.put("cluster", config.cluster().enabled());
        p.put("java", System.getProperty("java.version"));
        p.put("nd4j_backend", org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        p.put("wall_seconds", (System.nanoTime() - startedNanos) / 1e9);
        return p;
    }
}
