package dev.metareward.actors.evaluator;

import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the evaluator has done so far.
 *
 * @param offered snapshots offered
 * @param evaluated snapshots evaluated
 * @param skipped snapshots conflated away (a newer one arrived before the evaluator was free)
 * @param failed evaluations that threw (logged with the error)
 * @param best the best evaluation and its phi so far
 * @param history every evaluation, in order
 */
public record EvaluatorSummary(long offered, long evaluated, long skipped, long failed, Optional<Best> best,
                               List<EvaluationResult> history) {

    public EvaluatorSummary {
        history = List.copyOf(history);
    }

    /** The best phi by training PL accuracy, with its evaluation. */
    public record Best(EvaluationResult result, INDArray phi) {
    }
}
