package dev.metareward.actors.worker;

import dev.metareward.tensors.bilevel.DomainBatches;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What of a domain worker survives its restarts: the domain's batches (their sampling position) and the sequence
 * number of its next contribution. Used by one worker incarnation at a time.
 */
public final class DomainSlot {

    private final DomainBatches batches;
    private final AtomicLong nextSequence;

    /** @param nextSequence the sequence number of the first contribution (1 for a new run, last + 1 on resume) */
    public DomainSlot(DomainBatches batches, long nextSequence) {
        this.batches = batches;
        this.nextSequence = new AtomicLong(nextSequence);
    }

    public String domain() {
        return batches.domain();
    }

    public DomainBatches batches() {
        return batches;
    }

    long takeSequence() {
        return nextSequence.getAndIncrement();
    }
}
