package dev.metareward.tensors.data;

/** B' preference pairs of one domain: row j of {@code chosen} and row j of {@code rejected} share prompt x_j. */
public record PreferenceBatch(TokenBatch chosen, TokenBatch rejected) {
    public PreferenceBatch {
        if (chosen.size() != rejected.size()) {
            throw new IllegalArgumentException("chosen has " + chosen.size() + " rows but rejected has " + rejected.size());
        }
    }

    public int size() {
        return chosen.size();
    }
}
