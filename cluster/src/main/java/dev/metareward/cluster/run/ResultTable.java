package dev.metareward.cluster.run;

import dev.metareward.tensors.report.DomainResult;
import dev.metareward.tensors.report.TrainingReport;
import java.util.Map;
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
            sb.append(String.format("outer loss: first %.4f, last %.4f over %d steps%n", report.outerLoss().get(0),
                    report.outerLoss().get(report.outerLoss().size() - 1), report.outerLoss().size()));
        }
        return sb.toString();
    }
}
