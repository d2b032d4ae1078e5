package dev.metareward.actors.transport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The transport of a single-JVM run: frames are handed over by reference on the publisher's thread (no copy, no
 * serialization). Thread-safe.
 */
public final class InProcessTransport implements Transport {

    private final Object lock = new Object();
    private final List<Consumer<PhiFrame>> phiSubscribers = new CopyOnWriteArrayList<>();
    private final ContributionSubscriber contributions = new ContributionSubscriber();
    private PhiFrame newestPhi;
    private boolean closed;

    @Override
    public PublishResult publishContribution(ContributionFrame frame) {
        ContributionHandler handler;
        synchronized (lock) {
            if (closed) {
                return PublishResult.CLOSED;
            }
            handler = contributions.current();
        }
        if (handler == null) {
            return PublishResult.NOT_CONNECTED;
        }
        return handler.offer(frame) ? PublishResult.ACCEPTED : PublishResult.BACK_PRESSURED;
    }

    @Override
    public Subscription subscribeContributions(ContributionHandler handler) {
        return contributions.subscribe(handler);
    }

    @Override
    public PublishResult publishPhi(PhiFrame frame) {
        // Under the lock so that a concurrent subscribePhi sees each frame exactly once and in order.
        synchronized (lock) {
            if (closed) {
                return PublishResult.CLOSED;
            }
            newestPhi = frame;
            for (Consumer<PhiFrame> subscriber : phiSubscribers) {
                subscriber.accept(frame);
            }
            return PublishResult.ACCEPTED;
        }
    }

    @Override
    public Subscription subscribePhi(Consumer<PhiFrame> handler) {
        synchronized (lock) {
            phiSubscribers.add(handler);
            if (newestPhi != null) {
                handler.accept(newestPhi);
            }
        }
        return () -> phiSubscribers.remove(handler);
    }

    /** Current phi subscribers (diagnostics: a restarted worker must not leave its old subscription behind). */
    public int phiSubscriberCount() {
        return phiSubscribers.size();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            contributions.clear();
            phiSubscribers.clear();
        }
    }
}
