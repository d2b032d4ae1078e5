package dev.metareward.actors.transport;

/**
 * The one contribution subscriber a transport may have (a run has exactly one coordinator): what every transport
 * implementation keeps the same way. Thread-safe.
 */
public final class ContributionSubscriber {

    private volatile Transport.ContributionHandler handler;

    /**
     * Makes {@code handler} the subscriber; closing the returned subscription removes it (only if it is still the
     * one).
     *
     * @throws IllegalStateException when another handler is subscribed
     */
    public synchronized Transport.Subscription subscribe(Transport.ContributionHandler handler) {
        if (this.handler != null) {
            throw new IllegalStateException("a coordinator is already subscribed to contributions; a run has exactly "
                    + "one coordinator");
        }
        this.handler = handler;
        return () -> {
            synchronized (this) {
                if (this.handler == handler) {
                    this.handler = null;
                }
            }
        };
    }

    /** The current subscriber, or null. */
    public Transport.ContributionHandler current() {
        return handler;
    }

    /** Removes whatever is subscribed (the transport is closing). */
    public synchronized void clear() {
        handler = null;
    }
}
