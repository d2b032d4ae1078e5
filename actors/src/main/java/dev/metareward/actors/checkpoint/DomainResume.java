package dev.metareward.actors.checkpoint;

/**
 * Where a training domain resumes: its {@code DomainBatches} position after its last accepted contribution, and
 * that contribution's sequence number (the worker continues at {@code lastSequence + 1}).
 */
public record DomainResume(byte[] position, long lastSequence) {
}
