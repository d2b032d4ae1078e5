package dev.metareward.actors.worker;

import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.actors.transport.PhiFrame;
import dev.metareward.actors.transport.PublishResult;
import dev.metareward.actors.transport.Transport;
import dev.metareward.actors.transport.VectorChecksum;
import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.Contribution;
import dev.metareward.tensors.device.DevicePlacement;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One training domain's worker: computes a hypergradient contribution with the newest phi it holds, publishes it
 * through the {@link Transport}, then, as its {@link dev.metareward.actors.aggregation.AggregationPolicy} says, waits
 * for the next phi addressed to its domain (sync) or continues at once with the newest phi it has (async).
 *
 * <p>It runs on the pinned dispatcher {@link #DISPATCHER} so that one thread keeps its ND4J workspaces and, on a
 * GPU node, its device. A step blocks that thread for its whole duration; broadcasts that arrive meanwhile wait in
 * the mailbox and the next step uses the newest of them. Wrapped by {@link #supervised}, an exception restarts it
 * with backoff; the restarted worker rebuilds its computer and continues from the newest phi broadcast.
 */
public final class DomainWorker extends AbstractBehavior<DomainWorker.Command> {

    /** Dispatcher (actors' reference.conf) giving each worker its own thread. */
    public static final String DISPATCHER = "metareward-actors.domain-worker-dispatcher";

    /** Retry of a back-pressured publish starts at this delay and doubles up to {@link #MAX_PUBLISH_RETRY}. */
    private static final Duration FIRST_PUBLISH_RETRY = Duration.ofMillis(5);
    private static final Duration MAX_PUBLISH_RETRY = Duration.ofSeconds(1);
    private static final Object WAIT_TIMER = "phi-wait";
    private static final Object PUBLISH_TIMER = "publish-retry";

    /** Messages of a worker; all are internal (the guardian stops a worker, it does not command it). */
    public sealed interface Command permits PhiArrived, ComputeNext, PhiWaitTimedOut, RetryPublish {
    }

    private record PhiArrived(PhiFrame frame) implements Command {
    }

    private enum ComputeNext implements Command { INSTANCE }

    private enum PhiWaitTimedOut implements Command { INSTANCE }

    private enum RetryPublish implements Command { INSTANCE }

    private final WorkerSettings settings;
    private final DomainSlot slot;
    private final Transport transport;
    private final ContributionComputer computer;
    private final TimerScheduler<Command> timers;
    private final Transport.Subscription subscription;
    private final TrainerMeters meters;
    private final Timer metaStep;

    private PhiFrame newest;
    private long lastComputedSequence = -1;
    private boolean computeScheduled;
    private ContributionFrame lastPublished;
    /** The frame being published while back-pressured, null otherwise. */
    private ContributionFrame publishing;
    private long publishStartNanos;
    private Duration publishDelay = FIRST_PUBLISH_RETRY;
    private long rejectedPhiFrames;

    /**
     * The worker without supervision (tests of a single incarnation); spawn with {@link #DISPATCHER}. It times each
     * meta step and reports the phi versions it receives in {@code meters}.
     */
    public static Behavior<Command> create(WorkerSettings settings, DomainSlot slot, DomainStepFactory factory,
                                           Transport transport, TrainerMeters meters) {
        return Behaviors.setup(context -> Behaviors.withTimers(
                timers -> new DomainWorker(context, timers, settings, slot, factory, transport, meters)));
    }

    /** The worker restarted with backoff on any exception, at most {@code supervision.maxRestarts()} times in a row. */
    public static Behavior<Command> supervised(WorkerSettings settings, DomainSlot slot, DomainStepFactory factory,
                                               Transport transport, TrainerMeters meters,
                                               SupervisionSettings supervision) {
        return Behaviors.supervise(create(settings, slot, factory, transport, meters))
                .onFailure(Exception.class, SupervisorStrategy
                        .restartWithBackoff(supervision.minBackoff(), supervision.maxBackoff(),
                                supervision.randomFactor())
                        .withMaxRestarts(supervision.maxRestarts()));
    }

    /** The dispatcher selector to spawn workers with. */
    public static DispatcherSelector dispatcher() {
        return DispatcherSelector.fromConfig(DISPATCHER);
    }

    private DomainWorker(ActorContext<Command> context, TimerScheduler<Command> timers, WorkerSettings settings,
                         DomainSlot slot, DomainStepFactory factory, Transport transport, TrainerMeters meters) {
        super(context);
        this.meters = meters;
        this.metaStep = meters.metaStep(slot.domain());
        this.settings = settings;
        this.slot = slot;
        this.transport = transport;
        this.timers = timers;
        if (settings.device().isPresent()) {
            // Binds this (pinned) thread to its GPU before any array of the worker is allocated.
            DevicePlacement.bindCurrentThreadToGpu(settings.device().getAsInt());
        }
        this.computer = factory.create(slot.domain(), slot.batches());
        ActorRef<Command> self = context.getSelf();
        this.subscription = transport.subscribePhi(frame -> self.tell(new PhiArrived(frame)));
        armPhiWait();
        context.getLog().info("domain worker '{}' started ({} mode){}", slot.domain(), settings.policy().name(),
                settings.device().isPresent() ? " on GPU " + settings.device().getAsInt() : "");
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(PhiArrived.class, this::onPhiArrived)
                .onMessageEquals(ComputeNext.INSTANCE, this::onComputeNext)
                .onMessageEquals(PhiWaitTimedOut.INSTANCE, this::onPhiWaitTimedOut)
                .onMessageEquals(RetryPublish.INSTANCE, this::onRetryPublish)
                .onSignal(PreRestart.class, signal -> closeSubscription())
                .onSignal(PostStop.class, signal -> closeSubscription())
                .build();
    }

    private Behavior<Command> onPhiArrived(PhiArrived message) {
        PhiFrame frame = message.frame();
        if (!settings.runId().equals(frame.runId())) {
            return rejectPhi(frame, "it belongs to run '" + frame.runId() + "', not '" + settings.runId() + "'");
        }
        if (VectorChecksum.of(frame.vector()) != frame.checksum()) {
            return rejectPhi(frame, "its checksum does not match its vector");
        }
        if (newest != null && frame.sequence() <= newest.sequence()) {
            return this; // an older broadcast overtaken by a newer one: nothing to do
        }
        newest = frame;
        meters.raisePhiVersion(frame.version());
        if (publishing == null) {
            scheduleComputeIfDue();
        }
        return this;
    }

    private Behavior<Command> rejectPhi(PhiFrame frame, String why) {
        rejectedPhiFrames++;
        getContext().getLog().warn("domain worker '{}' dropped phi broadcast {} because {} ({} dropped so far)",
                slot.domain(), frame, why, rejectedPhiFrames);
        return this;
    }

    private Behavior<Command> onComputeNext() {
        computeScheduled = false;
        if (publishing != null || !dueToCompute()) {
            return this;
        }
        timers.cancel(WAIT_TIMER);
        PhiFrame phi = newest;
        lastComputedSequence = phi.sequence();
        long started = System.nanoTime();
        Contribution contribution = computer.compute(phi.vector(), phi.version());
        metaStep.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        slot.settle();
        ContributionFrame frame = ContributionFrame.of(settings.runId(), slot.takeSequence(), contribution,
                slot.batches().position());
        startPublishing(frame);
        return this;
    }

    private void startPublishing(ContributionFrame frame) {
        publishing = frame;
        publishStartNanos = System.nanoTime();
        publishDelay = FIRST_PUBLISH_RETRY;
        tryPublish();
    }

    private Behavior<Command> onRetryPublish() {
        if (publishing != null) {
            tryPublish();
        }
        return this;
    }

    private void tryPublish() {
        ContributionFrame frame = publishing;
        PublishResult result = transport.publishContribution(frame);
        switch (result) {
            case ACCEPTED -> {
                publishing = null;
                lastPublished = frame;
                getContext().getLog().debug("domain worker '{}' published {}", slot.domain(), frame);
                afterPublish();
            }
            case BACK_PRESSURED, NOT_CONNECTED -> {
                Duration waited = Duration.ofNanos(System.nanoTime() - publishStartNanos);
                if (waited.compareTo(settings.publishGiveUp()) >= 0) {
                    getContext().getLog().error("domain worker '{}' dropped contribution {}: the transport kept "
                                    + "answering {} for {} (timeouts.contribution = {})", slot.domain(), frame, result,
                            waited, settings.publishGiveUp());
                    publishing = null;
                    afterPublish();
                } else {
                    timers.startSingleTimer(PUBLISH_TIMER, RetryPublish.INSTANCE, publishDelay);
                    publishDelay = min(publishDelay.multipliedBy(2), MAX_PUBLISH_RETRY);
                }
            }
            case CLOSED -> {
                getContext().getLog().info("domain worker '{}': transport closed, contribution {} not sent",
                        slot.domain(), frame);
                publishing = null;
            }
        }
    }

    private void afterPublish() {
        if (!scheduleComputeIfDue()) {
            armPhiWait();
        }
    }

    private Behavior<Command> onPhiWaitTimedOut() {
        if (publishing != null || computeScheduled) {
            return this;
        }
        if (newest == null) {
            getContext().getLog().warn("domain worker '{}' has received no phi broadcast within {} "
                    + "(timeouts.phi-version); still waiting for the coordinator", slot.domain(), settings.phiWait());
        } else if (lastPublished != null) {
            getContext().getLog().warn("domain worker '{}' got no new phi within {} (timeouts.phi-version) after "
                            + "publishing {}; newest phi is version {} (broadcast {}); re-publishing the contribution "
                            + "in case it was lost", slot.domain(), settings.phiWait(), lastPublished, newest.version(),
                    newest.sequence());
            startPublishing(lastPublished);
            return this;
        } else {
            getContext().getLog().warn("domain worker '{}' has phi version {} but it is not addressed to it and no "
                    + "newer phi came within {} (timeouts.phi-version)", slot.domain(), newest.version(),
                    settings.phiWait());
        }
        armPhiWait();
        return this;
    }

    /** True when the newest phi should be used for a (new) contribution now; the aggregation policy decides. */
    private boolean dueToCompute() {
        return newest != null && (settings.policy().shouldCompute(slot.domain(), newest, lastComputedSequence)
                || slot.owesAt(newest.version()));
    }

    private boolean scheduleComputeIfDue() {
        if (!dueToCompute()) {
            return false;
        }
        if (!computeScheduled) {
            computeScheduled = true;
            // Through the mailbox, so broadcasts that arrived during the last step are taken first.
            getContext().getSelf().tell(ComputeNext.INSTANCE);
        }
        return true;
    }

    private void armPhiWait() {
        timers.startSingleTimer(WAIT_TIMER, PhiWaitTimedOut.INSTANCE, settings.phiWait());
    }

    private Behavior<Command> closeSubscription() {
        subscription.close();
        return this;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
