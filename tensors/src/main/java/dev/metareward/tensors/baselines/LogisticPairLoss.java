package dev.metareward.tensors.baselines;

import dev.metareward.tensors.bilevel.NonFiniteValueException;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.PreferenceBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The logistic pairwise loss that Bradley-Terry and DPO share: with per-row values s (rewards or log-probabilities),
 * z_j = b * (s(c_j) - s(d_j) - o_j) and loss = (1/n) sum_j -log sigmoid(z_j) = (1/n) sum_j softplus(-z_j).
 * Its gradient is (1/n) sum_j b * sigmoid(-z_j) * (grad s(d_j) - grad s(c_j)); the offsets o_j are constants
 * (the reference margins of DPO, 0 for Bradley-Terry).
 */
final class LogisticPairLoss {

    private LogisticPairLoss() {
    }

    /**
     * @param scale   b (1 for Bradley-Terry)
     * @param offsets o_j, one per pair, or null for none
     * @param what    the loss's name for error messages
     * @return the loss, the logits z_j as margins, and the gradient when requested (else null)
     */
    static PreferenceLoss.Result evaluate(RowScorer scorer, INDArray parameters, PreferenceBatch pairs, double scale,
                                          double[] offsets, boolean withGradient, String what) {
        int n = pairs.size();
        if (n == 0) {
            throw new IllegalArgumentException("the preference batch is empty: " + what + " needs at least one pair");
        }
        if (offsets != null && offsets.length != n) {
            throw new IllegalArgumentException(what + ": " + offsets.length + " reference margins for " + n + " pairs");
        }
        PairScores scores = PairScores.of(scorer, parameters, pairs);
        double[] z = new double[n];
        double loss = 0;
        for (int j = 0; j < n; j++) {
            z[j] = scale * (scores.chosen()[j] - scores.rejected()[j] - (offsets == null ? 0 : offsets[j]));
            loss += PreferenceLoss.softplus(-z[j]);
        }
        loss /= n;
        if (!Double.isFinite(loss)) {
            throw new NonFiniteValueException(what + " is " + loss + ": the model gave non-finite values");
        }
        if (!withGradient) {
            return new PreferenceLoss.Result(loss, z, null);
        }
        double[] chosenWeights = new double[n];
        double[] rejectedWeights = new double[n];
        for (int j = 0; j < n; j++) {
            double s = scale * PreferenceLoss.sigmoid(-z[j]) / n;
            chosenWeights[j] = -s;
            rejectedWeights[j] = s;
        }
        return new PreferenceLoss.Result(loss, z,
                PairScores.gradient(scorer, parameters, pairs, chosenWeights, rejectedWeights));
    }
}
