package dev.metareward.tensors.bilevel;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The result of an inner loop: theta_D and, when kept, every step's theta_t, S_t and R_i for the reverse pass.
 *
 * @param steps the D steps in order (empty when the trajectory was not kept); holds D copies of theta, i.e.
 *              D * |theta| numbers of memory
 * @param finalTheta theta_D
 * @param clampedRewards how many r / beta were clamped over all steps
 * @param fineTuneLoss loss_FT = -(1/B) sum_i w_i F_i(theta_t) (w_i the weights used) of every step, at theta_t (before its update)
 * @param learningRate alpha of the inner steps (the reverse pass must use the same)
 * @param stepSeconds wall time of every step (batch, rewards, policy gradient and update)
 * @param rewardSeconds the part of every step's wall time until its weights were known (drawing the batch and the
 *                      reward forward for R_i, with the reward Jacobian when the step keeps one); the rest is the
 *                      policy's forward, backward and the update
 * @param weightStatistics the reward weights' mean R and ESS, averaged over the steps
 */
public record InnerTrajectory(List<InnerStep> steps, INDArray finalTheta, int clampedRewards, double[] fineTuneLoss,
                              double learningRate, double[] stepSeconds, double[] rewardSeconds,
                              WeightStatistics weightStatistics) {
    public InnerTrajectory {
        steps = List.copyOf(steps);
    }

    /**
     * @param meanRaw mean over the steps of m = (1/B) sum_i R_i (the raw weights, before any normalisation)
     * @param effectiveSampleSize mean over the steps of (sum_i w_i)^2 / sum_i w_i^2 of the weights used (at most B)
     */
    public record WeightStatistics(double meanRaw, double effectiveSampleSize) {
    }
}
