package dev.metareward.tensors.data;

import java.util.Objects;

/** One preference of a domain: for {@code prompt}, the answer {@code chosen} is preferred over {@code rejected}. */
public record PreferencePair(String domain, String prompt, String chosen, String rejected, SourceLine source) {

    public PreferencePair {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(source, "source");
    }

    public PreferencePair(String domain, String prompt, String chosen, String rejected) {
        this(domain, prompt, chosen, rejected, SourceLine.NONE);
    }
}
