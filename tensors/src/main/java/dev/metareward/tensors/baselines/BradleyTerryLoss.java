package dev.metareward.tensors.baselines;

import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.model.RewardModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reward-model loss of RM-MT (paper Eq. 2): loss_BT(phi) = -(1/n) sum_j log sigmoid(r_phi(x_j, c_j) -
 * r_phi(x_j, d_j)), with gradient -(1/n) sum_j sigmoid(-Delta_j) (grad r(c_j) - grad r(d_j)).
 */
public final class BradleyTerryLoss {

    private BradleyTerryLoss() {
    }

    /** loss_BT at phi, the margins Delta_j = r(c_j) - r(d_j) and, when requested, grad_phi loss_BT (else null). */
    public static PreferenceLoss.Result evaluate(RewardModel reward, INDArray phi, PreferenceBatch pairs,
                                                 boolean withGradient) {
        return LogisticPairLoss.evaluate(RowScorer.rewardsOf(reward), phi, pairs, 1.0, null, withGradient,
                "the Bradley-Terry loss");
    }

    /** The fraction of pairs the reward model orders correctly, r(c) > r(d) (a tie counts as wrong). */
    public static double pairAccuracy(RewardModel reward, INDArray phi, PreferenceBatch pairs) {
        double[] margins = evaluate(reward, phi, pairs, false).margins();
        long correct = 0;
        for (double m : margins) {
            correct += m > 0 ? 1 : 0;
        }
        return (double) correct / margins.length;
    }
}
