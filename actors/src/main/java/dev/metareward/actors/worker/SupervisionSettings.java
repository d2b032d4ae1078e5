package dev.metareward.actors.worker;

import java.time.Duration;

/**
 * Restart policy of a failing domain worker: exponential backoff between {@code minBackoff} and {@code maxBackoff}
 * with random jitter, and at most {@code maxRestarts} restarts in a row before the run fails.
 */
public record SupervisionSettings(Duration minBackoff, Duration maxBackoff, double randomFactor, int maxRestarts) {

    /** 1 s to 30 s, 20% jitter, 10 restarts in a row: a transient error is retried, a persistent one ends the run. */
    public static final SupervisionSettings DEFAULT =
            new SupervisionSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2, 10);

    public SupervisionSettings {
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("expected 0 < minBackoff <= maxBackoff but got " + minBackoff + " and "
                    + maxBackoff);
        }
        if (randomFactor < 0 || randomFactor > 1) {
            throw new IllegalArgumentException("expected randomFactor in [0, 1] but got " + randomFactor);
        }
        if (maxRestarts < 1) {
            throw new IllegalArgumentException("expected maxRestarts >= 1 but got " + maxRestarts);
        }
    }
}
