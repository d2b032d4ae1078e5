package dev.metareward.tensors.device;

/** Thrown when ND4J cannot load its backend at all, e.g. a CUDA build on a machine without the NVIDIA driver. */
public final class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
