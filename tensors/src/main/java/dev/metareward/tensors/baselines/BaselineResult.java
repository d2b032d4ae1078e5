package dev.metareward.tensors.baselines;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a baseline trainer produced.
 *
 * @param label                 the row's name in a results table (one of the constants below)
 * @param parameters            theta of the policy (SFT, RWR, DPO, HPL rows) or phi of the reward model (RM-MT)
 * @param stepLosses            the training loss of every step on that step's batch (loss_BT, loss_DPO, loss_PL or
 *                              the reward-weighted fine-tuning loss); empty for a row that trains nothing
 * @param refusedSteps          optimizer steps refused because the gradient or the step was non-finite
 * @param selectedStep          the step whose parameters were kept: the last one, or with model selection the best
 *                              on the training domains' evaluation pairs (0 = the starting point)
 * @param dataDomains           the domains whose training splits the row learned from, in order
 * @param heldOutPreferences    true when the row saw preference pairs of a held-out domain: it must then be
 *                              evaluated on that domain's evaluation split only, and reported as an oracle row
 */
public record BaselineResult(String label, INDArray parameters, double[] stepLosses, long refusedSteps,
                             int selectedStep, List<String> dataDomains, boolean heldOutPreferences) {

    public static final String SFT = "SFT";
    public static final String SFT_CONTINUED = "SFT + held-out SFT steps";
    public static final String RM_MT = "RM-MT (Bradley-Terry reward model)";
    public static final String RM_MT_RWR_TR = "RM-MT + RWR (TR)";
    public static final String RM_MT_RWR_TR_TE = "RM-MT + RWR (TR+TE)";
    public static final String DPO = "DPO";
    public static final String HPL_TR = "HPL (TR preferences)";
    public static final String HPL_TR_TE = "HPL (TR+TE preferences, oracle)";

    public BaselineResult {
        dataDomains = List.copyOf(dataDomains);
    }

    /** Mean loss of the first and of the last {@code window} steps (NaN when there are no steps). */
    public double meanLoss(boolean last, int window) {
        int n = Math.min(window, stepLosses.length);
        if (n == 0) {
            return Double.NaN;
        }
        int from = last ? stepLosses.length - n : 0;
        double s = 0;
        for (int i = from; i < from + n; i++) {
            s += stepLosses[i];
        }
        return s / n;
    }
}
