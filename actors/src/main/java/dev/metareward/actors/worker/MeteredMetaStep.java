package dev.metareward.actors.worker;

import dev.metareward.metrics.TrainerMeters;
import dev.metareward.tensors.bilevel.Contribution;
import dev.metareward.tensors.bilevel.DomainMetaStep;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The production {@link ContributionComputer}: a domain's {@link DomainMetaStep}, recording what each step measured
 * into the node's meters (inner step times, hypergradient time and norm, tokens, reward clamps, reward-weight mean
 * and effective sample size), so the numeric code in {@code tensors} stays free of metrics. The worker itself times
 * the whole meta step.
 */
public final class MeteredMetaStep implements ContributionComputer {

    /** Receives every step's full result (e.g. the run's diagnostics log), after the meters recorded it. */
    @FunctionalInterface
    public interface StepObserver {
        void onStep(long phiVersion, DomainMetaStep.Result result);
    }

    private final DomainMetaStep step;
    private final TrainerMeters meters;
    private final StepObserver observer;
    private final String domain;
    private final Timer innerStep;
    private final Timer hypergradient;

    public MeteredMetaStep(DomainMetaStep step, TrainerMeters meters, StepObserver observer) {
        this.step = step;
        this.meters = meters;
        this.observer = observer;
        this.domain = step.domain();
        this.innerStep = meters.innerStep(domain);
        this.hypergradient = meters.hypergradient(domain);
    }

    @Override
    public Contribution compute(INDArray phi, long phiVersion) {
        DomainMetaStep.Result result = step.computeWithDiagnostics(phi, phiVersion);
        DomainMetaStep.Diagnostics d = result.diagnostics();
        for (double seconds : d.innerStepSeconds()) {
            innerStep.record(nanos(seconds));
        }
        hypergradient.record(nanos(d.outerSeconds()));
        meters.hypergradientNorm(domain).record(d.hypergradientNorm());
        meters.tokensProcessed(domain).increment(d.tokens());
        meters.rewardClamps(domain).increment(d.clampedRewards());
        meters.setRewardWeights(domain, d.weights().meanRaw(), d.weights().effectiveSampleSize());
        observer.onStep(phiVersion, result);
        return result.contribution();
    }

    private static Duration nanos(double seconds) {
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
