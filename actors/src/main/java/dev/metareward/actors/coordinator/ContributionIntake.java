package dev.metareward.actors.coordinator;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.Transport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream from the transport into the coordinator: a bounded queue fed by the transport's contribution handler,
 * then one ask to the coordinator at a time ({@code mapAsync(1)}). While the coordinator works on a contribution the
 * queue fills; when it is full the handler answers false and publishers see
 * {@link dev.metareward.actors.transport.PublishResult#BACK_PRESSURED}, so workers slow down instead of piling
 * frames up in memory.
 */
final class ContributionIntake implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContributionIntake.class);

    private final BoundedSourceQueue<ContributionFrame> queue;
    private final Transport.Subscription subscription;
    private volatile boolean closed;

    private ContributionIntake(BoundedSourceQueue<ContributionFrame> queue, Transport.Subscription subscription) {
        this.queue = queue;
        this.subscription = subscription;
    }

    /**
     * Starts the stream and subscribes it to the transport.
     *
     * @param askTimeout bound of each ask (timeouts.ask); when it fires the stream logs it and moves on, the
     *                   contribution still being in the coordinator's mailbox
     * @param capacity frames buffered before publishers are back-pressured
     */
    static ContributionIntake start(ActorSystem<?> system, Transport transport,
                                    ActorRef<RewardCoordinator.Command> coordinator, Duration askTimeout,
                                    int capacity) {
        ContributionIntake[] self = new ContributionIntake[1];
        BoundedSourceQueue<ContributionFrame> queue = Source.<ContributionFrame>queue(capacity)
                .mapAsync(1, frame -> self[0].offer(system, coordinator, frame, askTimeout))
                .to(Sink.ignore())
                .run(system);
        Transport.Subscription subscription = transport.subscribeContributions(frame -> {
            QueueOfferResult result = queue.offer(frame);
            return result == QueueOfferResult.enqueued();
        });
        self[0] = new ContributionIntake(queue, subscription);
        return self[0];
    }

    private CompletionStage<RewardCoordinator.OfferOutcome> offer(
            ActorSystem<?> system, ActorRef<RewardCoordinator.Command> coordinator, ContributionFrame frame,
            Duration askTimeout) {
        CompletionStage<RewardCoordinator.OfferOutcome> reply = AskPattern.ask(coordinator,
                replyTo -> new RewardCoordinator.Offer(frame, replyTo), askTimeout, system.scheduler());
        return reply.exceptionally(error -> {
            if (closed) {
                LOG.debug("contribution {} not handled: the coordinator has stopped", frame);
            } else {
                LOG.warn("the coordinator did not answer within {} (timeouts.ask) for {}: {}; the intake moves on to "
                        + "the next contribution", askTimeout, frame, error.toString());
            }
            return new RewardCoordinator.OfferOutcome(Optional.empty());
        });
    }

    /** Unsubscribes from the transport and completes the stream; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            subscription.close();
            queue.complete();
        }
    }
}
