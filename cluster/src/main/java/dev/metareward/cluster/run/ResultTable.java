package dev.metareward.cluster.run;

import dev.metareward.tensors.report.DomainResult;
import dev.metareward.tensors.report.OuterStepDiagnostics;
import dev.metareward.tensors.report.TrainingReport;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** Formats a training report's held-out results as a plain-text table for the terminal. */
public final class ResultTable {
    private ResultTable() {
    }

    public static String format(TrainingReport report) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%nHeld-out results (PL accuracy, Eq. 26, on all preference pairs of each held-out domain)%n"));
        sb.append(String.format("%-14s %-24s %8s %9s  %s%n", "domain", "policy", "PL acc", "win rate",
                "median judge reward of generations by temperature"));
        for (DomainResult d : report.heldOut()) {
            for (Map.Entry<String, Double> e : d.plAccuracy().entrySet()) {
                String method = e.getKey();
                String rewards = d.generationReward().getOrDefault(method, Map.of()).entrySet().stream()
                        .map(r -> String.format("T=%.2f: %+.3f", r.getKey(), r.getValue()))
                        .collect(Collectors.joining("  "));
                sb.append(String.format("%-14s %-24s %8.3f %9.3f  %s%n", d.domain(), method, e.getValue(),
                        d.winRate().getOrDefault(method, Double.NaN), rewards));
            }
        }
        for (DomainResult d : report.heldOut()) {
            if (d.judgeError() != null) {
                sb.append(String.format("%s: no judge scores for some policies: %s%n", d.domain(), d.judgeError()));
            }
        }
        Object judge = report.provenance().get("judge");
        if (judge != null) {
            sb.append("judge: ").append(judge).append(String.format("%n"));
        }
        if (!report.outerLoss().isEmpty()) {
            double[] loss = report.outerLoss().stream().mapToDouble(Double::doubleValue).toArray();
            double[] smooth = TrainingReport.movingMean(loss, TrainingReport.MOVING_MEAN_WINDOW);
            sb.append(String.format("outer loss (trailing mean of %d steps): first %.4f, middle %.4f, last %.4f over %d "
                    + "steps%n", TrainingReport.MOVING_MEAN_WINDOW, smooth[Math.min(smooth.length,
                    TrainingReport.MOVING_MEAN_WINDOW) - 1], smooth[smooth.length / 2], smooth[smooth.length - 1],
                    smooth.length));
        }
        List<OuterStepDiagnostics> d = report.outerDiagnostics();
        if (!d.isEmpty()) {
            sb.append(String.format("outer steps, first / last %d (means): %s%n", TrainingReport.MOVING_MEAN_WINDOW,
                    String.join(" / ", summary(d.subList(0, Math.min(d.size(), TrainingReport.MOVING_MEAN_WINDOW))),
                            summary(d.subList(Math.max(0, d.size() - TrainingReport.MOVING_MEAN_WINDOW), d.size())))));
        }
        return sb.toString();
    }

    private static String summary(List<OuterStepDiagnostics> steps) {
        return String.format("mean R %.3g, ESS %.2f, phi margin c-d %+.3f, phi pair acc %.3f, |g| %.3g",
                mean(steps, OuterStepDiagnostics::meanRawWeight), mean(steps, OuterStepDiagnostics::effectiveSampleSize),
                mean(steps, OuterStepDiagnostics::rewardMargin), mean(steps, OuterStepDiagnostics::phiPairAccuracy),
                mean(steps, OuterStepDiagnostics::hypergradientNorm));
    }

    private static double mean(List<OuterStepDiagnostics> steps, ToDoubleFunction<OuterStepDiagnostics> field) {
        return steps.stream().mapToDouble(field).average().orElse(Double.NaN);
    }
}
