package dev.metareward.tensors.data;

/**
 * How many sequences a {@link Batcher} built and how many of them it had to cut to fit the context.
 *
 * @param sequences          rows encoded, prompt-only rows included (a preference pair counts twice)
 * @param promptsTruncated   rows whose prompt lost tokens from its start
 * @param responsesTruncated rows whose response (or its EOS) lost tokens from its end
 */
public record Truncations(long sequences, long promptsTruncated, long responsesTruncated) {
}
