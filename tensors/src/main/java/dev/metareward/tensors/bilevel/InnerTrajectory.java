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
 * @param fineTuneLoss loss_FT = -(1/B) sum_i R_i F_i(theta_t) of every step, at theta_t (before its update)
 * @param learningRate alpha of the inner steps (the reverse pass must use the same)
 * @param stepSeconds wall time of every step (rewards, policy gradient and update)
 */
public record InnerTrajectory(List<InnerStep> steps, INDArray finalTheta, int clampedRewards, double[] fineTuneLoss,
                              double learningRate, double[] stepSeconds) {
    public InnerTrajectory {
        steps = List.copyOf(steps);
    }
}
