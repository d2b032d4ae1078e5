package dev.metareward.tensors.bilevel;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One synchronous outer update of phi (Algorithm 1's outer step): the domains' hypergradients are summed in the
 * order given, divided by their count, and the mean goes through one {@link OuterOptimizer#step}.
 *
 * <p>The single-process {@link MetaTrainer} and the actor coordinator's sync round both call this, so the two
 * produce bit-for-bit the same phi from the same contributions: floating-point addition is not associative, and a
 * different summation order or a divide-then-sum would change the last bits.
 */
public final class OuterRound {

    private OuterRound() {
    }

    /**
     * What a round did.
     *
     * @param meanGradient the mean of the contributions (a new array; the inputs are not modified)
     * @param applied false when the optimizer refused a non-finite step (phi then unchanged)
     */
    public record Result(INDArray meanGradient, boolean applied) {
    }

    /**
     * Averages {@code hypergradients} and applies the mean to {@code phi} in place with a step scale of 1.
     *
     * @param hypergradients one per training domain, in the configured domain order
     * @throws IllegalArgumentException when there is no hypergradient
     */
    public static Result apply(OuterOptimizer optimizer, INDArray phi, List<INDArray> hypergradients) {
        if (hypergradients.isEmpty()) {
            throw new IllegalArgumentException("an outer round needs at least one domain's hypergradient");
        }
        INDArray sum = null;
        for (INDArray g : hypergradients) {
            sum = sum == null ? g.dup() : sum.addi(g);
        }
        INDArray mean = sum.divi(hypergradients.size());
        return new Result(mean, optimizer.step(phi, mean, 1.0));
    }
}
