package dev.metareward.actors.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.actors.checkpoint.DomainResume;
import dev.metareward.actors.transport.ContributionFrame;
import dev.metareward.metrics.RejectReason;
import dev.metareward.tensors.bilevel.Contribution;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Each rule of the coordinator's validation on its own, against an explicit view of the coordinator's state. */
class ContributionValidatorTest {

    private static final String RUN = "run-v";
    private static final List<String> DOMAINS = List.of("books", "dvd");
    private static final ContributionValidator ASYNC = new ContributionValidator(RUN, DOMAINS,
            new AggregationPolicy.Async(2, true));
    private static final ContributionValidator SYNC = new ContributionValidator(RUN, DOMAINS,
            new AggregationPolicy.Sync());

    /** The coordinator at version 5 with a 3-element float32 phi; books last accepted sequence 4. */
    private static ContributionValidator.View view(boolean finished, Set<String> buffered) {
        return new ContributionValidator.View(finished, 5, 3, DataType.FLOAT,
                Map.of("books", new DomainResume(new byte[] {1}, 4)), buffered);
    }

    private static ContributionValidator.View running() {
        return view(false, Set.of());
    }

    private static INDArray ok() {
        return Nd4j.createFromArray(0.1f, -0.2f, 0.3f);
    }

    private static ContributionFrame frame(String domain, long phiVersion, long sequence, INDArray vector) {
        return ContributionFrame.of(RUN, sequence, new Contribution(domain, phiVersion, vector, 0.7, 2), new byte[0]);
    }

    private static void assertRejected(RejectReason expected, Optional<Rejection> rejection) {
        assertTrue(rejection.isPresent(), "expected a rejection for " + expected);
        assertEquals(expected, rejection.get().reason(), rejection.get().detail());
        assertTrue(!rejection.get().detail().isBlank(), "a rejection says why");
    }

    @Test
    void shouldAcceptAValidContributionWithinTheStalenessBound() {
        assertEquals(Optional.empty(), ASYNC.validate(frame("books", 3, 5, ok()), running()));
        assertEquals(Optional.empty(), SYNC.validate(frame("dvd", 5, 1, ok()), running()));
    }

    @Test
    void shouldRejectAnyContributionAfterTheRunFinished() {
        assertRejected(RejectReason.RUN_FINISHED, ASYNC.validate(frame("books", 5, 5, ok()), view(true, Set.of())));
    }

    @Test
    void shouldRejectContributionOfAnotherRun() {
        ContributionFrame good = frame("books", 5, 5, ok());
        ContributionFrame other = new ContributionFrame("other-run", "books", 5, 5, 0.7, 2, good.vector(),
                good.checksum(), new byte[0]);
        assertRejected(RejectReason.WRONG_RUN, ASYNC.validate(other, running()));
    }

    @Test
    void shouldRejectContributionOfADomainThatIsNotTrained() {
        assertRejected(RejectReason.UNKNOWN_DOMAIN, ASYNC.validate(frame("kitchen", 5, 1, ok()), running()));
    }

    @Test
    void shouldRejectAVectorOfAnotherLengthOrDataType() {
        assertRejected(RejectReason.WRONG_SHAPE,
                ASYNC.validate(frame("books", 5, 5, Nd4j.createFromArray(0.1f, 0.2f)), running()));
        assertRejected(RejectReason.WRONG_SHAPE,
                ASYNC.validate(frame("books", 5, 5, Nd4j.createFromArray(0.1, 0.2, 0.3)), running()));
    }

    @Test
    void shouldRejectAVectorThatDoesNotMatchItsChecksum() {
        ContributionFrame good = frame("books", 5, 5, ok());
        ContributionFrame corrupt = new ContributionFrame(RUN, "books", 5, 5, 0.7, 2, good.vector(),
                good.checksum() ^ 1, new byte[0]);
        assertRejected(RejectReason.BAD_CHECKSUM, ASYNC.validate(corrupt, running()));
    }

    @Test
    void shouldRejectANonFiniteVectorOrLoss() {
        assertRejected(RejectReason.NON_FINITE,
                ASYNC.validate(frame("books", 5, 5, Nd4j.createFromArray(0.1f, Float.NaN, 0.3f)), running()));
        assertRejected(RejectReason.NON_FINITE, ASYNC.validate(frame("books", 5, 5,
                Nd4j.createFromArray(Float.NEGATIVE_INFINITY, 0f, 0f)), running()));
        ContributionFrame nanLoss = ContributionFrame.of(RUN, 5, new Contribution("books", 5, ok(), Double.NaN, 2),
                new byte[0]);
        assertRejected(RejectReason.NON_FINITE, ASYNC.validate(nanLoss, running()));
    }

    @Test
    void shouldRejectASequenceNumberSeenBefore() {
        assertRejected(RejectReason.DUPLICATE, ASYNC.validate(frame("books", 5, 4, ok()), running()));
        assertRejected(RejectReason.DUPLICATE, ASYNC.validate(frame("books", 5, 3, ok()), running()));
    }

    @Test
    void shouldRejectAContributionFromAFutureVersion() {
        assertRejected(RejectReason.FUTURE_VERSION, ASYNC.validate(frame("books", 6, 5, ok()), running()));
    }

    @Test
    void shouldRejectStaleContribution() {
        assertRejected(RejectReason.TOO_STALE, ASYNC.validate(frame("books", 2, 5, ok()), running()));
        assertEquals(Optional.empty(), ASYNC.validate(frame("books", 3, 5, ok()), running()), "staleness 2 = S");
        Optional<Rejection> sync = SYNC.validate(frame("books", 4, 5, ok()), running());
        assertRejected(RejectReason.TOO_STALE, sync);
        assertTrue(sync.get().detail().contains("sync mode"), sync.get().detail());
    }

    @Test
    void shouldRejectASecondContributionOfADomainToTheSameSyncRound() {
        Optional<Rejection> rejection = SYNC.validate(frame("books", 5, 5, ok()), view(false, Set.of("books")));
        assertRejected(RejectReason.DUPLICATE, rejection);
        assertTrue(rejection.get().detail().contains("already contributed"), rejection.get().detail());
        assertEquals(Optional.empty(), SYNC.validate(frame("dvd", 5, 1, ok()), view(false, Set.of("books"))));
    }
}
