package dev.metareward.tensors.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-sample values (shape [B]) and the gradient of their weighted sum with respect to a flat parameter vector
 * (same length as the parameters).
 */
public record ValueAndGradient(INDArray values, INDArray gradient) {
}
