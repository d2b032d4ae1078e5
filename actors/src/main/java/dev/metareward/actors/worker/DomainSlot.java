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
    private final AtomicLong owedVersion = new AtomicLong(NOT_OWED);

    private static final long NOT_OWED = -1;

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

    /**
     * Records that the coordinator waits for this domain's contribution at {@code version} (it said so when the
     * worker registered): the worker computes once it holds phi at that version or newer, even when the newest
     * broadcast is addressed to other domains.
     */
    public void owe(long version) {
        owedVersion.set(version);
    }

    /** True while a contribution is owed and {@code phiVersion} is recent enough to compute it with. */
    boolean owesAt(long phiVersion) {
        long owed = owedVersion.get();
        return owed != NOT_OWED && phiVersion >= owed;
    }

    /** A contribution was computed: nothing is owed any more. */
    void settle() {
        owedVersion.set(NOT_OWED);
    }
}
