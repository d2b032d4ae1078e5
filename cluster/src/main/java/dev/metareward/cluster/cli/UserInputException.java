package dev.metareward.cluster.cli;

/** A failure caused by what the user passed (a file, a folder, a flag); printed as one line, exit code 2. */
public final class UserInputException extends RuntimeException {
    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }

    public UserInputException(String message) {
        super(message);
    }
}
