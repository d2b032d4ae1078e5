package dev.metareward.actors;

/**
 * Marks a message that may cross nodes: Pekko serializes it with Jackson CBOR (bound once in actors'
 * {@code reference.conf}), never with Java serialization. Such messages are small records of plain values,
 * collections, {@code Optional}s and {@code ActorRef}s; vectors (phi, hypergradients) never go into them, they
 * travel on the data plane ({@link dev.metareward.actors.transport.Transport}).
 */
public interface CborSerializable {
}
