package dev.metareward.tensors.baselines;

import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The values of the chosen and the rejected rows of a preference batch, and the gradient of a weighted sum over
 * both. When both sides have the same padded length they go through the model as one batch (one pass instead of two).
 *
 * @param chosen  value of row j of the chosen side
 * @param rejected value of row j of the rejected side
 */
record PairScores(double[] chosen, double[] rejected) {

    static PairScores of(RowScorer scorer, INDArray parameters, PreferenceBatch pairs) {
        int n = pairs.size();
        if (oneBatch(pairs)) {
            double[] both = scorer.values(parameters, pairs.chosen().concat(pairs.rejected())).toDoubleVector();
            return new PairScores(Arrays.copyOfRange(both, 0, n), Arrays.copyOfRange(both, n, 2 * n));
        }
        return new PairScores(scorer.values(parameters, pairs.chosen()).toDoubleVector(),
                scorer.values(parameters, pairs.rejected()).toDoubleVector());
    }

    /** The gradient of sum_j chosenWeights[j] * chosen_j + rejectedWeights[j] * rejected_j, in the parameters' type. */
    static INDArray gradient(RowScorer scorer, INDArray parameters, PreferenceBatch pairs, double[] chosenWeights,
                             double[] rejectedWeights) {
        int n = pairs.size();
        if (oneBatch(pairs)) {
            double[] w = new double[2 * n];
            System.arraycopy(chosenWeights, 0, w, 0, n);
            System.arraycopy(rejectedWeights, 0, w, n, n);
            return gradient(scorer, parameters, pairs.chosen().concat(pairs.rejected()), w);
        }
        return gradient(scorer, parameters, pairs.chosen(), chosenWeights)
                .addi(gradient(scorer, parameters, pairs.rejected(), rejectedWeights));
    }

    private static INDArray gradient(RowScorer scorer, INDArray parameters, TokenBatch batch, double[] weights) {
        return scorer.valuesAndGradient(parameters, batch, weights).gradient().castTo(parameters.dataType()).dup();
    }

    private static boolean oneBatch(PreferenceBatch pairs) {
        return pairs.chosen().length() == pairs.rejected().length();
    }
}
