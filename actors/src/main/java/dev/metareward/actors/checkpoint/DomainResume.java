package dev.metareward.actors.checkpoint;

import dev.metareward.actors.CborSerializable;

/**
 * Where a training domain resumes: its {@code DomainBatches} position after its last accepted contribution, and
 * that contribution's sequence number (the worker continues at {@code lastSequence + 1}). Small enough to travel to
 * a worker that (re)starts on another node, in
 * {@link dev.metareward.actors.coordinator.RewardCoordinator.WorkerRegistered}.
 */
public record DomainResume(byte[] position, long lastSequence) implements CborSerializable {
}
