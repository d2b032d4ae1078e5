package dev.metareward.tensors.bilevel;

import java.util.List;

/** Test helpers on kept inner trajectories. */
final class Trajectories {

    private Trajectories() {
    }

    /** {@code run} with its steps' reward Jacobians dropped: the hypergradient then takes the weighted reward pass. */
    static InnerTrajectory withoutRewardJacobians(InnerTrajectory run) {
        List<InnerStep> steps = run.steps().stream()
                .map(step -> new InnerStep(step.theta(), step.batch(), step.rewardWeights())).toList();
        return new InnerTrajectory(steps, run.finalTheta(), run.clampedRewards(), run.fineTuneLoss(),
                run.learningRate(), run.stepSeconds(), run.rewardSeconds(), run.weightStatistics());
    }
}
