package dev.metareward.actors.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.bilevel.Contribution;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class InProcessTransportTest {

    private static ContributionFrame frame(long sequence) {
        INDArray g = Nd4j.createFromArray(1f, 2f, 3f);
        return ContributionFrame.of("run", sequence, new Contribution("books", 0, g, 0.5, 2), new byte[] {1});
    }

    private static PhiFrame phi(long sequence) {
        return PhiFrame.of("run", sequence, sequence, Set.of(), Nd4j.createFromArray(0f, (float) sequence));
    }

    @Test
    void shouldAnswerNotConnectedWithoutACoordinator() {
        InProcessTransport transport = new InProcessTransport();
        assertEquals(PublishResult.NOT_CONNECTED, transport.publishContribution(frame(1)));
    }

    @Test
    void shouldReportBackPressureWhenTheHandlerCannotTakeTheFrame() {
        InProcessTransport transport = new InProcessTransport();
        List<ContributionFrame> taken = new ArrayList<>();
        transport.subscribeContributions(f -> taken.size() < 1 && taken.add(f));
        assertEquals(PublishResult.ACCEPTED, transport.publishContribution(frame(1)));
        assertEquals(PublishResult.BACK_PRESSURED, transport.publishContribution(frame(2)));
        assertEquals(1, taken.size());
    }

    @Test
    void shouldRefuseASecondContributionSubscriber() {
        InProcessTransport transport = new InProcessTransport();
        transport.subscribeContributions(f -> true);
        assertThrows(IllegalStateException.class, () -> transport.subscribeContributions(f -> true));
    }

    @Test
    void shouldDeliverTheNewestPhiToALateSubscriberThenLaterOnes() {
        InProcessTransport transport = new InProcessTransport();
        transport.publishPhi(phi(1));
        PhiFrame second = phi(2);
        transport.publishPhi(second);
        List<PhiFrame> received = new ArrayList<>();
        transport.subscribePhi(received::add);
        transport.publishPhi(phi(3));
        assertEquals(2, received.size());
        assertSame(second, received.get(0));
        assertEquals(3, received.get(1).sequence());
    }

    @Test
    void shouldStopDeliveringAfterUnsubscribeAndAnswerClosedAfterClose() {
        InProcessTransport transport = new InProcessTransport();
        List<PhiFrame> received = new ArrayList<>();
        Transport.Subscription subscription = transport.subscribePhi(received::add);
        subscription.close();
        transport.publishPhi(phi(1));
        assertTrue(received.isEmpty());
        transport.close();
        assertEquals(PublishResult.CLOSED, transport.publishPhi(phi(2)));
        assertEquals(PublishResult.CLOSED, transport.publishContribution(frame(1)));
    }

    @Test
    void shouldChangeTheChecksumWhenOneBitOfTheVectorChanges() {
        INDArray a = Nd4j.createFromArray(1.0, 2.0, 3.0);
        INDArray b = a.dup();
        b.putScalar(2, Math.nextUp(3.0));
        assertNotEquals(VectorChecksum.of(a), VectorChecksum.of(b));
        assertEquals(VectorChecksum.of(a), VectorChecksum.of(a.dup()));
    }

    @Test
    void shouldChecksumTheVectorInItsOwnDataType() {
        INDArray d = Nd4j.createFromArray(1.0, 2.0);
        assertNotEquals(VectorChecksum.of(d), VectorChecksum.of(d.castTo(DataType.FLOAT)));
        assertThrows(IllegalArgumentException.class, () -> VectorChecksum.of(Nd4j.createFromArray(1, 2)));
    }

    @Test
    void shouldDetectNonFiniteValues() {
        assertTrue(VectorChecksum.allFinite(Nd4j.createFromArray(1f, -2f)));
        assertFalse(VectorChecksum.allFinite(Nd4j.createFromArray(1f, Float.NaN)));
        assertFalse(VectorChecksum.allFinite(Nd4j.createFromArray(Double.NEGATIVE_INFINITY)));
    }
}
