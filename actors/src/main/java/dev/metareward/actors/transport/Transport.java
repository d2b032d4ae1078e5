package dev.metareward.actors.transport;

import java.util.function.Consumer;

/**
 * The data plane of a run: workers publish contributions to the coordinator, the coordinator broadcasts phi to the
 * workers. Implementations: {@link InProcessTransport} in one JVM; an Aeron transport in module {@code cluster}.
 *
 * <p>Publishing never blocks: a frame that cannot be taken now is refused with {@link PublishResult#BACK_PRESSURED}
 * or {@link PublishResult#NOT_CONNECTED} and the caller retries. Handlers are called on a transport thread (or the
 * publisher's thread in process) and must return quickly, typically by handing the frame to an actor or a stream.
 */
public interface Transport extends AutoCloseable {

    /** Offers a contribution to the coordinator's subscription. */
    PublishResult publishContribution(ContributionFrame frame);

    /**
     * Subscribes the coordinator to contributions. There is at most one contribution subscriber per run.
     *
     * @param handler returns false when it cannot take the frame now; the transport then reports back-pressure to
     *                the publisher (in process) or stops polling and retries the frame later (wire transports)
     */
    Subscription subscribeContributions(ContributionHandler handler);

    /** Broadcasts phi to every phi subscriber. */
    PublishResult publishPhi(PhiFrame frame);

    /**
     * Subscribes to phi broadcasts. The newest broadcast published before this call, if any, is delivered first
     * (so a worker that starts or restarts late still gets phi), then every later one in order.
     */
    Subscription subscribePhi(Consumer<PhiFrame> handler);

    /** Closes the transport; later publishes return {@link PublishResult#CLOSED}. */
    @Override
    void close();

    /** Receives contributions; see {@link #subscribeContributions}. */
    @FunctionalInterface
    interface ContributionHandler {
        boolean offer(ContributionFrame frame);
    }

    /** An active subscription; closing it stops delivery. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
