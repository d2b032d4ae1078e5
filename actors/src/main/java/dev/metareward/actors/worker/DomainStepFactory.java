package dev.metareward.actors.worker;

import dev.metareward.tensors.bilevel.DomainBatches;

/**
 * Builds a domain's {@link ContributionComputer} (its own model instances: SameDiff graphs are not shared between
 * threads) on the worker's pinned thread, at start and again after every restart. The batches outlive restarts so
 * the data continues where it was.
 */
@FunctionalInterface
public interface DomainStepFactory {

    ContributionComputer create(String domain, DomainBatches batches);
}
