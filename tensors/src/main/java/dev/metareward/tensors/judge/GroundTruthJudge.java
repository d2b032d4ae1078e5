package dev.metareward.tensors.judge;

import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import java.util.List;

/** The known reward r* of a built-in data set (its sentiment lexicon); valid only on the data it generated. */
public final class GroundTruthJudge implements Judge {

    private final GroundTruthScorer scorer;
    private final String description;

    public GroundTruthJudge(GroundTruthScorer scorer, String description) {
        this.scorer = scorer;
        this.description = description;
    }

    @Override
    public double[] score(String domain, List<Generation> generations) {
        double[] scores = new double[generations.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = score(generations.get(i).prompt(), generations.get(i).continuation());
        }
        return scores;
    }

    /** r*(prompt, response). */
    public double score(String prompt, String response) {
        return scorer.score(prompt, response);
    }

    @Override
    public String describe() {
        return description;
    }
}
