package dev.metareward.tensors.report;

/**
 * What one outer step measured, averaged over the training domains' contributions computed with phi at
 * {@code phiVersion} (MATH.md "Diagnostics").
 *
 * @param phiVersion version of phi the contributions were computed with (their update produced version + 1)
 * @param meanRawWeight mean over the inner steps of m = (1/B) sum_i R_i, R_i = exp(clamp(r_i / beta))
 * @param effectiveSampleSize mean over the inner steps of (sum_i w_i)^2 / sum_i w_i^2 of the weights used (at most B)
 * @param rewardMargin mean over the outer batch of r_phi(x, c) - r_phi(x, d)
 * @param phiPairAccuracy fraction of the outer batch's pairs with r_phi(x, c) > r_phi(x, d)
 * @param hypergradientNorm mean over the domains of ||g_T||, each before averaging and clipping
 * @param outerLoss mean loss_PL over the domains
 */
public record OuterStepDiagnostics(long phiVersion, double meanRawWeight, double effectiveSampleSize,
                                   double rewardMargin, double phiPairAccuracy, double hypergradientNorm,
                                   double outerLoss) {

    /** One line for the log. */
    public String format() {
        return String.format("phi v%d: mean R %.3g, ESS %.2f, reward margin c-d %+.3f, phi pair accuracy %.3f, "
                + "|g| %.3g, loss_PL %.4f", phiVersion, meanRawWeight, effectiveSampleSize, rewardMargin,
                phiPairAccuracy, hypergradientNorm, outerLoss);
    }
}
