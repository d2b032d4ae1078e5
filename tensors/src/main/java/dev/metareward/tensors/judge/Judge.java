package dev.metareward.tensors.judge;

import java.util.List;

/**
 * Scores generated continuations for the held-out report (median reward by temperature, win rate against the data
 * set's chosen answers). Implementations: {@link GroundTruthJudge} (the known reward of a built-in data set),
 * {@link CommandJudge} (an external program) and {@link BradleyTerryJudge} (an oracle reward model trained on the
 * held-out domain's pairs). A judge is used by one thread at a time.
 */
public interface Judge {

    /** One item to score: the prompt and the continuation the policy (or the data set) gave it. */
    record Generation(String prompt, String continuation) {
        public Generation {
            if (prompt == null || continuation == null) {
                throw new IllegalArgumentException("a generation needs a prompt and a continuation (empty is fine)");
            }
        }
    }

    /**
     * One finite score per generation, in order; higher is better.
     *
     * @param domain the held-out domain the generations belong to
     * @throws JudgeException when the judge cannot score them (the message says why and is shown in the report)
     */
    double[] score(String domain, List<Generation> generations);

    /** What this judge is, for the log and the report, e.g. "command [python3, judge.py] (timeout 5m)". */
    String describe();
}
