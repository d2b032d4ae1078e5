package dev.metareward.tensors.bilevel;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One domain's hypergradient contribution: d loss_PL / d phi computed with phi at {@code phiVersion}, the
 * outer loss it was computed from, and how many preference pairs that loss averaged.
 */
public record Contribution(String domain, long phiVersion, INDArray hypergradient, double outerLoss, int pairs) {
}
