package dev.metareward.actors.run;

/** Why a run ended with {@link RunResult.Outcome#FAILED}: a sentence naming the component and what to check. */
public final class RunFailedException extends RuntimeException {
    public RunFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
