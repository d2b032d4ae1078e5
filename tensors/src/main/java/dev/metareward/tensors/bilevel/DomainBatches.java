package dev.metareward.tensors.bilevel;

import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;

/**
 * The batches one domain feeds the bilevel loop: SFT batches for the inner loop, preference batches for the
 * outer loss. Implementations are deterministic for a seed and their position can be saved and restored, so a
 * resumed run continues the data where it stopped.
 */
public interface DomainBatches {

    String domain();

    /** The next inner-loop batch of {@code size} fine-tuning samples. */
    TokenBatch nextSftBatch(int size);

    /** The next outer-loss batch of {@code size} preference pairs. */
    PreferenceBatch nextPreferenceBatch(int size);

    /** An opaque, serialisable snapshot of the sampling position (random state, epoch, cursor). */
    byte[] position();

    /** Restores a snapshot taken by {@link #position()}. */
    void restorePosition(byte[] position);
}
