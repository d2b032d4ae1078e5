package dev.metareward.tensors.judge;

/** A judge could not score generations; the message names the judge and says what went wrong. */
public final class JudgeException extends RuntimeException {
    public JudgeException(String message) {
        super(message);
    }

    public JudgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
