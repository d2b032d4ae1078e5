package dev.metareward.tensors.data;

import java.util.Objects;

/** One fine-tuning sample of a domain: the policy learns to continue {@code prompt} with {@code response}. */
public record SftSample(String domain, String prompt, String response, SourceLine source) {

    public SftSample {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(source, "source");
    }

    public SftSample(String domain, String prompt, String response) {
        this(domain, prompt, response, SourceLine.NONE);
    }
}
