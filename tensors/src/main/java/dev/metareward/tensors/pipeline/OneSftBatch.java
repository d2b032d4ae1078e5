package dev.metareward.tensors.pipeline;

import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.TokenBatch;

/**
 * One fine-tuning batch made elsewhere (e.g. the policy's own samples), handed to a one-step meta-test. It has no
 * preference batches and no position to save: it is used for one step and dropped.
 */
record OneSftBatch(String domain, TokenBatch batch) implements DomainBatches {

    @Override
    public TokenBatch nextSftBatch(int size) {
        if (size != batch.size()) {
            throw new IllegalArgumentException("the batch holds " + batch.size() + " samples but " + size
                    + " were asked for");
        }
        return batch;
    }

    @Override
    public PreferenceBatch nextPreferenceBatch(int size) {
        throw new UnsupportedOperationException("a fine-tuning batch has no preference pairs");
    }

    @Override
    public byte[] position() {
        return new byte[0];
    }

    @Override
    public void restorePosition(byte[] position) {
        // Nothing to restore: the batch is used for one step.
    }
}
