package dev.metareward.tensors.device;

/** Thrown when {@code device.backend} names another ND4J backend than the one this build loaded. */
public final class BackendMismatchException extends RuntimeException {
    public BackendMismatchException(String message) {
        super(message);
    }
}
