package dev.metareward.actors.coordinator;

import dev.metareward.metrics.RejectReason;

/**
 * Why one contribution was refused.
 *
 * @param reason the counter it goes to
 * @param detail a sentence with the values that failed the check, for the log
 */
public record Rejection(RejectReason reason, String detail) {
}
