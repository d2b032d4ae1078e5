package dev.metareward.config;

import java.util.List;

/** Thrown when a config file is wrong; the message lists every problem with its key, file:line and what was expected. */
public final class ConfigError extends RuntimeException {
    private final List<String> problems;

    public ConfigError(List<String> problems) {
        super(problems.size() == 1
                ? "Invalid configuration: " + problems.get(0)
                : "Invalid configuration (" + problems.size() + " problems):\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
