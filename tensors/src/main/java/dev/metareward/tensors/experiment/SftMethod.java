package dev.metareward.tensors.experiment;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The SFT policy: theta_0 on the warm-started base, no fine-tuning on the held-out domain. */
public final class SftMethod implements HeldOutMethod {

    @Override
    public Prepared prepare(FoldContext context) {
        return (heldOut, curve) -> {
            INDArray theta = context.model().policy().initialParameters();
            curve.observe(0, theta);
            return theta;
        };
    }
}
