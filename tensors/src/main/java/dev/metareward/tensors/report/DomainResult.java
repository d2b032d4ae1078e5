package dev.metareward.tensors.report;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluation of one held-out domain: PL accuracy (paper Eq. 26) of each compared policy, keyed by method name
 * (e.g. "sft", "meta-test"), and the judge's median reward of generations per method and temperature.
 *
 * @param judgeError why the judge could not score this domain's generations (its reward and win-rate maps then lack
 *                   the methods it failed on); null when it scored them all
 */
public record DomainResult(String domain, Map<String, Double> plAccuracy, Map<String, Map<Double, Double>> generationReward,
                           Map<String, Double> winRate, String judgeError) {
    @JsonCreator
    public DomainResult {
        // Insertion order is the report's order of methods (baselines first), so keep it.
        plAccuracy = Collections.unmodifiableMap(new LinkedHashMap<>(plAccuracy));
        generationReward = Collections.unmodifiableMap(new LinkedHashMap<>(generationReward));
        winRate = Collections.unmodifiableMap(new LinkedHashMap<>(winRate));
    }

    /** A result whose generations the judge scored completely. */
    public DomainResult(String domain, Map<String, Double> plAccuracy,
                        Map<String, Map<Double, Double>> generationReward, Map<String, Double> winRate) {
        this(domain, plAccuracy, generationReward, winRate, null);
    }
}
