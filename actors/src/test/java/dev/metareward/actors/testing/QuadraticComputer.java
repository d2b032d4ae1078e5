package dev.metareward.actors.testing;

import dev.metareward.actors.worker.ContributionComputer;
import dev.metareward.tensors.bilevel.Contribution;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.data.PreferenceBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A real, cheap per-domain objective for actor tests: each step draws a preference batch, derives a target vector
 * t from its tokens and returns loss 0.5 |phi - t|^2 with gradient phi - t. Contributions therefore depend on phi
 * and on the data position, like real ones, but cost microseconds.
 */
public final class QuadraticComputer implements ContributionComputer {

    public static final int PAIRS = 2;

    private final String domain;
    private final DomainBatches batches;

    public QuadraticComputer(String domain, DomainBatches batches) {
        this.domain = domain;
        this.batches = batches;
    }

    @Override
    public Contribution compute(INDArray phi, long phiVersion) {
        PreferenceBatch batch = batches.nextPreferenceBatch(PAIRS);
        INDArray target = Nd4j.zeros(phi.dataType(), phi.length());
        for (int k = 0; k < phi.length(); k++) {
            int[] chosen = batch.chosen().tokens()[k % PAIRS];
            int[] rejected = batch.rejected().tokens()[k % PAIRS];
            int t = 1 + k % (SeededBatches.LENGTH - 1);
            target.putScalar(k, (chosen[t] - rejected[t]) / (double) SeededBatches.VOCAB);
        }
        INDArray gradient = phi.reshape(phi.length()).sub(target);
        double loss = 0.5 * gradient.norm2Number().doubleValue() * gradient.norm2Number().doubleValue();
        return new Contribution(domain, phiVersion, gradient, loss, PAIRS);
    }
}
