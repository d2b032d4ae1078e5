package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.MetaTestSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.BigramPolicy;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.eval.PlAccuracy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Algorithm 2: policy fine-tuning on a held-out domain with a fixed phi. */
class MetaTesterTest {

    private static final Logger LOG = LoggerFactory.getLogger(MetaTesterTest.class);

    private final BigramPolicy policy = new BigramPolicy(MetaTrainerTest.VOCAB, DataType.DOUBLE, 1, 0.1);
    private final BagOfTokensReward reward = new BagOfTokensReward(MetaTrainerTest.VOCAB, 4, DataType.DOUBLE, 0.3);
    private final InnerSettings inner = new InnerSettings(5, 8, 0.5, 1.0, 20);
    private final MetaTestSettings metaTest = new MetaTestSettings(4, 6, 0.2, 2, List.of(1.0), 4);

    @Test
    void shouldFineTuneWithTheMetaTestBatchSizeAndLearningRate() {
        INDArray phi = reward.initialParameters(3);
        INDArray theta = new MetaTester(policy, reward, inner, metaTest).fineTune(phi, MetaTrainerTest.domain("kitchen", 4)).finalTheta();
        InMemoryDomainBatches replay = MetaTrainerTest.domain("kitchen", 4);
        INDArray expected = policy.initialParameters();
        for (int t = 0; t < metaTest.steps(); t++) {
            TokenBatch batch = replay.nextSftBatch(metaTest.batch());
            double[] r = reward.rewards(phi, batch).toDoubleVector();
            double[] w = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.exp(r[i] / inner.beta()) / r.length;
            }
            expected = expected.add(policy.sequenceLogProbsAndGradient(expected, batch, w).gradient().mul(metaTest.learningRate()));
        }
        assertTrue(FiniteDifferences.relativeError(expected, theta) < 1e-14);
    }

    @Test
    void shouldDrawExactlyTheRequestedNumberOfBatches() {
        InMemoryDomainBatches heldOut = MetaTrainerTest.domain("kitchen", 4);
        new MetaTester(policy, reward, inner, metaTest).fineTune(reward.initialParameters(3), heldOut, metaTest.evaluatorSteps());
        InMemoryDomainBatches twin = MetaTrainerTest.domain("kitchen", 4);
        for (int t = 0; t < metaTest.evaluatorSteps(); t++) {
            twin.nextSftBatch(metaTest.batch());
        }
        assertArrayEquals(twin.position(), heldOut.position());
    }

    @Test
    void shouldRaisePlAccuracyOnAHeldOutDomainAfterMetaTraining() {
        INDArray phi0 = reward.initialParameters(3);
        MetaTrainer trainer = MetaTrainer.create(policy, reward,
                List.of(MetaTrainerTest.domain("books", 1), MetaTrainerTest.domain("dvd", 2)), inner,
                new OuterSettings(15, 8, OuterSettings.Optimizer.ADAM, 0.1, 0),
                new HypergradientSettings(HypergradientSettings.Mode.EXACT, 1, 0), phi0);
        trainer.train(15);
        MetaTester tester = new MetaTester(policy, reward, inner, metaTest);
        double untrained = accuracy(tester.fineTune(phi0, MetaTrainerTest.domain("kitchen", 4)).finalTheta());
        double trained = accuracy(tester.fineTune(trainer.phi(), MetaTrainerTest.domain("kitchen", 4)).finalTheta());
        LOG.info("held-out PL accuracy after meta-test: initial phi {}, meta-trained phi {}", untrained, trained);
        assertTrue(trained > untrained + 0.1 && trained > 0.9, "initial " + untrained + ", trained " + trained);
    }

    private double accuracy(INDArray theta) {
        InMemoryDomainBatches evaluation = MetaTrainerTest.domain("kitchen-eval", 77);
        return PlAccuracy.evaluate(policy, theta, evaluation.nextPreferenceBatch(64)).accuracy();
    }
}
