package dev.metareward.cluster.aeron;

import dev.metareward.metrics.MeterCatalogue;
import dev.metareward.metrics.OfferRefusal;
import dev.metareward.metrics.TrainerMeters;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one transport's data plane: frames and bytes both ways, offer outcomes, reassembly failures and drops
 * by {@link DropReason}. Thread-safe; {@link #snapshot()} gives a consistent-enough copy for logs and tests, and
 * {@link #exportTo} makes the node's catalogue meters read these same counters (one source for both).
 */
public final class DataPlaneStats {

    private final LongAdder framesSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder backPressured = new LongAdder();
    private final LongAdder notConnected = new LongAdder();
    private final LongAdder adminActions = new LongAdder();
    private final LongAdder abandonedSends = new LongAdder();
    private final LongAdder reassemblyFailures = new LongAdder();
    private final AtomicLongArray drops = new AtomicLongArray(DropReason.values().length);

    void onSent(long wireBytes) {
        framesSent.increment();
        bytesSent.add(wireBytes);
    }

    void onDelivered() {
        framesReceived.increment();
    }

    void onBytesReceived(long bytes) {
        bytesReceived.add(bytes);
    }

    void onBackPressure() {
        backPressured.increment();
    }

    void onNotConnected() {
        notConnected.increment();
    }

    void onAdminAction() {
        adminActions.increment();
    }

    void onAbandonedSend() {
        abandonedSends.increment();
    }

    void onReassemblyFailure() {
        reassemblyFailures.increment();
    }

    void onDrop(DropReason reason) {
        drops.incrementAndGet(reason.ordinal());
    }

    /**
     * Registers the data-plane meters of the catalogue in {@code meters}, each reading its counter here at every
     * scrape: frames and bytes by direction, offer refusals by result, abandoned sends, drops by reason (every
     * reason, zero included) and reassembly failures.
     */
    public void exportTo(TrainerMeters meters) {
        meters.registerCounter(MeterCatalogue.DATA_PLANE_FRAMES, framesSent, LongAdder::sum, "sent");
        meters.registerCounter(MeterCatalogue.DATA_PLANE_FRAMES, framesReceived, LongAdder::sum, "received");
        meters.registerCounter(MeterCatalogue.DATA_PLANE_BYTES, bytesSent, LongAdder::sum, "sent");
        meters.registerCounter(MeterCatalogue.DATA_PLANE_BYTES, bytesReceived, LongAdder::sum, "received");
        meters.registerCounter(MeterCatalogue.AERON_OFFER_REFUSALS, backPressured, LongAdder::sum,
                OfferRefusal.BACK_PRESSURED.tagValue());
        meters.registerCounter(MeterCatalogue.AERON_OFFER_REFUSALS, notConnected, LongAdder::sum,
                OfferRefusal.NOT_CONNECTED.tagValue());
        meters.registerCounter(MeterCatalogue.AERON_OFFER_REFUSALS, adminActions, LongAdder::sum,
                OfferRefusal.ADMIN_ACTION.tagValue());
        meters.registerCounter(MeterCatalogue.DATA_PLANE_ABANDONED_SENDS, abandonedSends, LongAdder::sum);
        meters.registerCounter(MeterCatalogue.DATA_PLANE_REASSEMBLY_FAILURES, reassemblyFailures, LongAdder::sum);
        for (DropReason reason : DropReason.values()) {
            meters.registerCounter(MeterCatalogue.DATA_PLANE_DROPS, this, stats -> stats.drops(reason),
                    reason.tagValue());
        }
    }

    /** Frames dropped for {@code reason} so far. */
    public long drops(DropReason reason) {
        return drops.get(reason.ordinal());
    }

    /** A copy of every counter. */
    public Snapshot snapshot() {
        Map<DropReason, Long> byReason = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            byReason.put(reason, drops.get(reason.ordinal()));
        }
        return new Snapshot(framesSent.sum(), bytesSent.sum(), framesReceived.sum(), bytesReceived.sum(),
                backPressured.sum(), notConnected.sum(), adminActions.sum(), abandonedSends.sum(),
                reassemblyFailures.sum(), byReason);
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }

    /**
     * The counters at one moment.
     *
     * @param framesSent whole frames (all fragments) handed to Aeron
     * @param bytesSent wire bytes of those frames (headers included)
     * @param framesReceived verified frames delivered to a handler (or held for one)
     * @param bytesReceived wire bytes read from Aeron, verified or not
     * @param backPressured offers refused with BACK_PRESSURED (each retry counts)
     * @param notConnected offers refused with NOT_CONNECTED
     * @param adminActions offers refused with ADMIN_ACTION (retried at once)
     * @param abandonedSends frames given up after some fragments were sent (the receiver drops the rest)
     * @param reassemblyFailures fragmented vectors never completed: a lost fragment, a dead sender, a timeout
     * @param drops frames dropped before any handler, by reason
     */
    public record Snapshot(long framesSent, long bytesSent, long framesReceived, long bytesReceived,
                           long backPressured, long notConnected, long adminActions, long abandonedSends,
                           long reassemblyFailures, Map<DropReason, Long> drops) {

        /** Copies {@code drops}. */
        public Snapshot {
            drops = Map.copyOf(drops);
        }

        /** Frames dropped for {@code reason}. */
        public long drops(DropReason reason) {
            return drops.getOrDefault(reason, 0L);
        }

        /** Frames dropped for any reason. */
        public long totalDrops() {
            return drops.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
