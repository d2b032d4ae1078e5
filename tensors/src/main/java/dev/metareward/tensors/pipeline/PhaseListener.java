package dev.metareward.tensors.pipeline;

/** Progress of a long phase, so callers can draw a progress bar or log; called on the computing thread. */
public interface PhaseListener {

    /** One unit of {@code total} is done; {@code message} is a short status such as the current loss. */
    void onProgress(String phase, long done, long total, String message);

    PhaseListener NONE = (phase, done, total, message) -> { };
}
