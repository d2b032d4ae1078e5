package dev.metareward.tensors.experiment;

import dev.metareward.tensors.eval.Statistics;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every number of one (method, held-out domain, seed): the experiment's unit of measurement.
 *
 * @param method the configured method name, e.g. "meta-test-learned-phi"
 * @param label the method's label in the report, e.g. "meta-test, learned phi"
 * @param sweep true for a row of the beta sweep (Figure 4), false for a Table 3 row
 * @param beta inner.beta the method ran with
 * @param variant the name of the experiment.variants row this is, empty otherwise (a Table 3 or beta-sweep row)
 * @param fold the fold's name
 * @param seed run.seed
 * @param domain the held-out domain
 * @param plAccuracy PL accuracy (Eq. 26) on all of the domain's preference pairs
 * @param lmLoss mean negative log-likelihood per scored token of the domain's SFT evaluation samples
 * @param winRate fraction of generations the judge scores above the pair's chosen answer (all temperatures)
 * @param judgeScores the judge's score of each generation, by sampling temperature
 * @param curve held-out PL accuracy during the method's fine-tuning (Figure 2); a method that does not fine-tune has
 *              at most the point at step 0
 * @param diagnostics what the method reports about its training (e.g. the selected phi version)
 * @param seconds wall time of the method on this fold and seed (its preparation shared among the fold's held-out
 *                domains) plus this domain's fine-tuning and scoring
 */
public record Outcome(String method, String label, boolean sweep, double beta, String variant, String fold, long seed,
                      String domain,
                      double plAccuracy, double lmLoss, double winRate, Map<Double, double[]> judgeScores,
                      List<CurvePoint> curve, Map<String, Double> diagnostics, double seconds) {

    public Outcome {
        // Cells written before variants existed have no such field.
        variant = variant == null ? "" : variant;
        judgeScores = Collections.unmodifiableMap(new LinkedHashMap<>(judgeScores));
        curve = List.copyOf(curve);
        diagnostics = Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
    }

    /** True for a row of the paper's Table 3 (not a beta-sweep or variant row of the learned phi). */
    public boolean inTable3() {
        return !sweep && variant.isEmpty();
    }

    /** Held-out PL accuracy after {@code step} fine-tuning steps. */
    public record CurvePoint(int step, double plAccuracy) {
    }

    /** The judge's median score per temperature. */
    public Map<Double, Double> medianJudgeScore() {
        Map<Double, Double> medians = new LinkedHashMap<>();
        judgeScores.forEach((t, scores) -> medians.put(t, Statistics.median(scores)));
        return medians;
    }
}
