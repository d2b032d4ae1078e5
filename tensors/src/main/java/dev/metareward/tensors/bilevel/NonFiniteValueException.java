package dev.metareward.tensors.bilevel;

/** A NaN or infinity appeared where the bilevel computation needs finite numbers (rewards, parameters, losses). */
public final class NonFiniteValueException extends RuntimeException {
    public NonFiniteValueException(String message) {
        super(message);
    }
}
