package dev.metareward.tensors.bilevel.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.data.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test models' hand-written gradients against central differences in float64. Tolerance 1e-8 relative: with
 * h = 1e-5 the truncation error is O(h^2 * f''') ~ 1e-10 and rounding ~ 1e-16 / 1e-5 = 1e-11, so 1e-8 leaves a
 * margin while any wrong term (a missing weight, a transposed matrix) gives errors of order 1.
 */
class TestModelGradientTest {

    private static final Logger LOG = LoggerFactory.getLogger(TestModelGradientTest.class);

    private static final int VOCAB = 7;

    private final TokenBatch batch = InMemoryDomainBatches.random("d", VOCAB, 20, 5, 12, 3).nextSftBatch(5);
    private final double[] weights = {0.3, -1.2, 0.7, 2.0, 0.05};

    @Test
    void shouldMatchFiniteDifferencesForPolicyGradient() {
        BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.5);
        INDArray theta = policy.initialParameters();
        INDArray analytic = policy.sequenceLogProbsAndGradient(theta, batch, weights).gradient();
        INDArray numeric = FiniteDifferences.gradient(t -> weightedSum(policy.sequenceLogProbs(t, batch)), theta, 1e-5);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("bigram policy gradient vs central differences: relative error {}", error);
        assertTrue(error < 1e-8, "policy gradient relative error " + error);
    }

    @Test
    void shouldReturnSameValuesWithAndWithoutGradient() {
        BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.5);
        INDArray theta = policy.initialParameters();
        assertEquals(policy.sequenceLogProbs(theta, batch),
                policy.sequenceLogProbsAndGradient(theta, batch, weights).values());
    }

    @Test
    void shouldScoreOnlyResponseAndEosTokens() {
        // With theta = 0 every token has probability 1/V, so F_i = -(scored tokens) * log V exactly.
        BigramPolicy policy = new BigramPolicy(VOCAB, DataType.DOUBLE, 1, 0.0);
        INDArray f = policy.sequenceLogProbs(policy.initialParameters(), batch);
        for (int b = 0; b < batch.size(); b++) {
            assertEquals(-batch.scoredCount(b) * Math.log(VOCAB), f.getDouble(b), 1e-12);
        }
    }

    @Test
    void shouldMatchFiniteDifferencesForRewardGradient() {
        BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
        INDArray phi = reward.initialParameters(11);
        INDArray analytic = reward.rewardsAndGradient(phi, batch, weights).gradient();
        INDArray numeric = FiniteDifferences.gradient(p -> weightedSum(reward.rewards(p, batch)), phi, 1e-5);
        double error = FiniteDifferences.relativeError(analytic, numeric);
        LOG.info("bag-of-tokens reward gradient vs central differences: relative error {}", error);
        assertTrue(error < 1e-8, "reward gradient relative error " + error);
    }

    @Test
    void shouldHaveRewardGradientThatDependsOnPhi() {
        // Guards the claim that the reward is non-linear in phi (else the hypergradient tests would be weaker).
        BagOfTokensReward reward = new BagOfTokensReward(VOCAB, 4, DataType.DOUBLE, 0.8);
        INDArray g1 = reward.rewardsAndGradient(reward.initialParameters(11), batch, weights).gradient();
        INDArray g2 = reward.rewardsAndGradient(reward.initialParameters(12), batch, weights).gradient();
        assertTrue(FiniteDifferences.relativeError(g1, g2) > 1e-2);
    }

    private double weightedSum(INDArray values) {
        double s = 0;
        for (int b = 0; b < weights.length; b++) {
            s += weights[b] * values.getDouble(b);
        }
        return s;
    }

}
