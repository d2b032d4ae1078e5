package dev.metareward.metrics;

/** Thrown when this node's Prometheus endpoint cannot be started, typically because its port is taken. */
public final class MetricsEndpointException extends RuntimeException {
    public MetricsEndpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
