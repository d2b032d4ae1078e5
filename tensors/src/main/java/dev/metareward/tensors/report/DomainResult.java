package dev.metareward.tensors.report;

import java.util.Map;

/**
 * Evaluation of one held-out domain: PL accuracy (paper Eq. 26) of each compared policy, keyed by method name
 * (e.g. "sft", "meta-test"), and the judge's median reward of generations per method and temperature.
 */
public record DomainResult(String domain, Map<String, Double> plAccuracy, Map<String, Map<Double, Double>> generationReward,
                           Map<String, Double> winRate) {
    public DomainResult {
        plAccuracy = Map.copyOf(plAccuracy);
        generationReward = Map.copyOf(generationReward);
        winRate = Map.copyOf(winRate);
    }
}
