package dev.metareward.tensors.baselines;

import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.pipeline.PhaseListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gradient descent on a preference loss, shared by the Bradley-Terry reward model, DPO and HPL: {@code steps}
 * steps, each on the next batch of {@code batch} pairs, moved by the {@link OuterOptimizer} (SGD or Adam, clipped,
 * never applying a non-finite step) built from the same budget.
 */
final class PreferenceDescent {

    private static final Logger LOG = LoggerFactory.getLogger(PreferenceDescent.class);

    /** The loss and its gradient at {@code parameters} on one batch. */
    interface Objective {
        PreferenceLoss.Result at(INDArray parameters, PreferenceBatch batch);
    }

    /**
     * The trained parameters (a new array), the loss of every step, the refused steps and the step whose parameters
     * were kept (the last one without selection; 0 = the starting point).
     */
    record Outcome(INDArray parameters, double[] stepLosses, long refusedSteps, int selectedStep) {
    }

    private PreferenceDescent() {
    }

    static Outcome run(String phase, INDArray start, DomainBatches data, OuterSettings budget, Objective objective,
                       Selection selection, PhaseListener listener) {
        INDArray parameters = start.dup();
        int steps = budget.steps();
        double[] losses = new double[steps];
        if (steps == 0) {
            return new Outcome(parameters, losses, 0, 0);
        }
        OuterOptimizer optimizer = OuterOptimizer.create(budget, parameters.length());
        Best best = selection.active() ? new Best(parameters.dup(), 0, selection.score().applyAsDouble(parameters)) : null;
        double smoothed = Double.NaN;
        for (int t = 1; t <= steps; t++) {
            PreferenceLoss.Result result = objective.at(parameters, data.nextPreferenceBatch(budget.batch()));
            losses[t - 1] = result.loss();
            optimizer.step(parameters, result.gradient(), 1.0);
            smoothed = Double.isNaN(smoothed) ? result.loss() : 0.9 * smoothed + 0.1 * result.loss();
            if (best != null && (t % selection.every() == 0 || t == steps)) {
                double score = selection.score().applyAsDouble(parameters);
                if (score > best.score) {
                    best = new Best(parameters.dup(), t, score);
                }
            }
            listener.onProgress(phase, t, steps, String.format("loss %.3f", smoothed));
        }
        LOG.info("{}: {} steps of {} pairs, loss {} -> {} (moving mean), {} refused, {} clipped{}", phase, steps,
                budget.batch(), String.format("%.4f", losses[0]), String.format("%.4f", smoothed),
                optimizer.refusedSteps(), optimizer.clippedSteps(), best == null ? ""
                        : String.format("; kept step %d (selection score %.4f on the training domains' eval pairs)",
                        best.step, best.score));
        return best == null ? new Outcome(parameters, losses, optimizer.refusedSteps(), steps)
                : new Outcome(best.parameters, losses, optimizer.refusedSteps(), best.step);
    }

    private record Best(INDArray parameters, int step, double score) {
    }
}
