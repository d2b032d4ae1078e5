package dev.metareward.tensors.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluation of one held-out domain: PL accuracy (paper Eq. 26) of each compared policy, keyed by method name
 * (e.g. "sft", "meta-test"), and the judge's median reward of generations per method and temperature.
 */
public record DomainResult(String domain, Map<String, Double> plAccuracy, Map<String, Map<Double, Double>> generationReward,
                           Map<String, Double> winRate) {
    public DomainResult {
        // Insertion order is the report's order of methods (baselines first), so keep it.
        plAccuracy = Collections.unmodifiableMap(new LinkedHashMap<>(plAccuracy));
        generationReward = Collections.unmodifiableMap(new LinkedHashMap<>(generationReward));
        winRate = Collections.unmodifiableMap(new LinkedHashMap<>(winRate));
    }
}
