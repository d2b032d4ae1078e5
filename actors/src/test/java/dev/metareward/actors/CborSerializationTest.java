package dev.metareward.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.coordinator.CoordinatorStats;
import dev.metareward.metrics.RejectReason;
import dev.metareward.actors.coordinator.RewardCoordinator;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Messages that cross nodes go through Jackson CBOR (the binding in actors' reference.conf) and come back equal. */
class CborSerializationTest {

    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final SerializationTestKit SERIALIZATION = new SerializationTestKit(KIT.system());

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** Round-trips {@code message} after checking the serializer Pekko picks for it. */
    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T message) {
        assertInstanceOf(JacksonCborSerializer.class,
                SerializationExtension.get(KIT.system()).findSerializerFor(message),
                message.getClass().getSimpleName() + " must be serialized with Jackson CBOR, not Java serialization");
        return (T) SERIALIZATION.verifySerialization(message, false);
    }

    @Test
    void shouldSerializeRegisterWorkerWithJacksonCbor() {
        TestProbe<RewardCoordinator.WorkerRegistered> probe = KIT.createTestProbe();
        RewardCoordinator.RegisterWorker message = new RewardCoordinator.RegisterWorker("books", probe.getRef());
        assertEquals(message, roundTrip(message));
    }

    @Test
    void shouldSerializeWorkerRegisteredWithItsResumePointWithJacksonCbor() {
        RewardCoordinator.WorkerRegistered message = new RewardCoordinator.WorkerRegistered("books",
                Optional.of(new DomainResume(new byte[] {0, 1, -2, 127}, 41)), 17, false);
        RewardCoordinator.WorkerRegistered back = roundTrip(message);
        assertEquals("books", back.domain());
        assertEquals(17, back.version());
        assertEquals(41, back.resume().orElseThrow().lastSequence());
        assertArrayEquals(new byte[] {0, 1, -2, 127}, back.resume().orElseThrow().position());

        RewardCoordinator.WorkerRegistered fresh = new RewardCoordinator.WorkerRegistered("dvd", Optional.empty(), 0, true);
        assertEquals(fresh, roundTrip(fresh));
    }

    @Test
    void shouldSerializeCoordinatorStatsWithJacksonCbor() {
        Map<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, (long) reason.ordinal());
        }
        CoordinatorStats stats = new CoordinatorStats(12, 5, 30, rejected, Map.of("books", 20L, "dvd", 10L), 13, 1, 2);
        assertEquals(stats, roundTrip(stats));
        TestProbe<CoordinatorStats> probe = KIT.createTestProbe();
        RewardCoordinator.GetStats query = new RewardCoordinator.GetStats(probe.getRef());
        assertEquals(query, roundTrip(query));
    }
}
