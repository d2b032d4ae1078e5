package dev.metareward.actors.coordinator;

import org.nd4j.linalg.api.ndarray.INDArray;

/** phi at a version; the array is a copy that nobody modifies. */
public record PhiSnapshot(long version, INDArray phi) {
}
