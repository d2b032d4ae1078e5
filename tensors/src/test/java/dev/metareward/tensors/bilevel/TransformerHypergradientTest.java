package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.HypergradientSettings.Mode;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.ReplayedOuterLoss;
import dev.metareward.tensors.bilevel.testmodels.StartingPointPolicy;
import dev.metareward.tensors.bilevel.testmodels.SurrogateOuterLoss;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.transformer.EngineParity;
import dev.metareward.tensors.model.transformer.LoraReward;
import dev.metareward.tensors.model.transformer.ModelShape;
import dev.metareward.tensors.model.transformer.ParameterGroup;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bilevel gradients on the real (hand-written) transformer, in float64, against central differences of the
 * functions they claim to differentiate: the inner step, the exact hypergradient, and the truncated and first-order
 * hypergradients against their own surrogate losses.
 *
 * <p>Set-up: a tiny transformer (2 layers, d_model 16, 2 heads, d_ff 32, context 12, LoRA rank 2, vocabulary 11)
 * whose theta_0 and phi have every entry moved by N(0, 0.2^2), so LoRA B is non-zero in both and every parameter
 * group (LoRA A, B_q, B_v of each layer and the head) has a gradient from the first step on. D = 4 inner steps of
 * B = 3 with alpha = 0.05 and beta = 0.5 (so a dropped 1/beta is a factor-2 error); outer batch B' = 3 pairs. With
 * these weights the log-likelihoods are strongly curved: alpha = 0.05 already makes the Hessian terms dominate
 * (first-order and truncated(1) are about 80% away from exact), while alpha = 0.3 gave |g| ~ 2e4, too stiff a
 * problem for any finite-difference reference.
 *
 * <p>Directions: random unit vectors over all parameters, and for each parameter group a random unit vector inside
 * that group alone (a wrong gradient of one small group would hardly show along a global direction). The error of a
 * direction is |analytic - numeric| measured relative to the norm of the analytic gradient on the direction's
 * support (not to |g.u|, which can be near zero for an unlucky u; there the difference quotient's rounding would
 * dominate without saying anything about g).
 *
 * <p>Tolerance 1e-6. Error budget in float64: the reference central difference uses h = 1e-6 because its truncation
 * error O(h^2 L''') is large on this curved problem (measured along g at alpha = 0.1: 4e-3 at h = 1e-3, 4e-5 at
 * 1e-4, 3e-7 at 1e-5, i.e. ~h^2), while its rounding O(1e-16 |L| / h) stays ~1e-10 relative to |g|. The
 * hypergradient's own finite-difference Hessian-vector products with the default c = 1e-5 err by ~5e-10 here
 * (c = 1e-3 differs from it by 5e-6, scaling as c^2). Measured worst errors (logged): inner step 5e-10, exact 4e-10,
 * truncated 6e-9, first-order 2.4e-8, a margin of 40 or more. A real mistake (a missing term, a wrong sign or
 * factor, a Hessian term applied in the wrong mode) is an error of order 1e-2 or more: the modes differ from each
 * other by far more than the tolerance on this problem, which
 * {@link #shouldMakeTheModesDistinguishableOnTheTransformer()} asserts, and flipping the sign of the Hessian term in
 * Hypergradient (tried by hand) gave errors of 2.9 to 6.7 and failed the exact and truncated checks.
 */
class TransformerHypergradientTest {

    private static final Logger LOG = LoggerFactory.getLogger(TransformerHypergradientTest.class);

    private static final int VOCAB = 11;
    private static final int CONTEXT = 12;
    private static final ModelShape SHAPE = new ModelShape(VOCAB, CONTEXT, 2, 16, 2, 32, 2, 2.0);
    private static final int STEPS = 4;
    private static final int BATCH = 3;
    private static final int PAIRS = 3;
    private static final double ALPHA = 0.05;
    private static final double BETA = 0.5;
    private static final double H = 1e-6;
    private static final double TOLERANCE = 1e-6;
    private static final int RANDOM_DIRECTIONS = 4;

    private static final InnerSettings INNER = new InnerSettings(STEPS, BATCH, ALPHA, BETA, 20.0);
    private static final OuterSettings OUTER = new OuterSettings(1, PAIRS, OuterSettings.Optimizer.SGD, 1e-2, 0);

    private final TransformerModel model = TransformerModel.create(SHAPE, DataType.DOUBLE, 0.3, 5);
    private final StartingPointPolicy policy =
            new StartingPointPolicy(model.policy(), EngineParity.jitter(model.policy().initialParameters(), 0.2, 1));
    private final LoraReward reward = model.reward();
    private final INDArray phi = EngineParity.jitter(reward.initialParameters(7), 0.2, 2);

    private static InMemoryDomainBatches batches() {
        return InMemoryDomainBatches.random("books", VOCAB, 24, 12, CONTEXT, 3);
    }

    /**
     * (a) One inner step is theta_1 = theta_0 + alpha * grad Phi(theta_0), Phi(theta) = (1/B) sum_i R_i F_i(theta)
     * with R_i = exp(r_i / beta) held at their values: (theta_1 - theta_0) / alpha against central differences of Phi,
     * which uses only forward passes of the policy.
     */
    @Test
    void shouldStepAlongTheRewardWeightedLogLikelihoodGradient() {
        InMemoryDomainBatches batches = batches();
        byte[] start = batches.position();
        InnerLoop oneStep = new InnerLoop(policy, reward, 1, BATCH, ALPHA, BETA, 20.0);
        InnerTrajectory run = oneStep.run(phi, batches, true);
        batches.restorePosition(start);
        TokenBatch batch = batches.nextSftBatch(BATCH);
        assertArrayEquals(batch.tokens(), run.steps().get(0).batch().tokens());

        double[] r = reward.rewards(phi, batch).toDoubleVector();
        double[] meanR = new double[BATCH];
        for (int i = 0; i < BATCH; i++) {
            meanR[i] = Math.exp(r[i] / BETA) / BATCH;
        }
        ToDoubleFunction<INDArray> weightedLogLikelihood = theta -> {
            double[] f = policy.sequenceLogProbs(theta, batch).toDoubleVector();
            double s = 0;
            for (int i = 0; i < BATCH; i++) {
                s += meanR[i] * f[i];
            }
            return s;
        };
        INDArray theta0 = policy.initialParameters();
        INDArray direction = run.finalTheta().sub(theta0).divi(ALPHA);
        double worst = worstDirectionalError(weightedLogLikelihood, theta0, direction,
                model.policy().parameterGroups(), 11);
        LOG.info("inner step vs central differences of (1/B) sum R_i F_i: worst relative error {}", worst);
        assertTrue(worst < TOLERANCE, "inner step: worst relative error " + worst);
    }

    /**
     * (b) The exact hypergradient g = dL/dphi, L(phi) = replay of the inner loop from theta_0 with the same batches,
     * then loss_PL on the same preference batch (testmodels.ReplayedOuterLoss), along random and per-group directions
     * and along g itself.
     */
    @Test
    void shouldMatchCentralDifferencesOfTheOuterLossInExactMode() {
        InMemoryDomainBatches batches = batches();
        ReplayedOuterLoss loss = new ReplayedOuterLoss(policy, reward, batches, INNER, PAIRS);
        INDArray g = hypergradient(batches, new HypergradientSettings(Mode.EXACT, 1, 0));
        loss.rewind();
        double worst = worstDirectionalError(loss::at, phi, g, reward.parameterGroups(), 13);
        double gNorm = g.norm2Number().doubleValue();
        double alongG = FiniteDifferences.relativeError(gNorm,
                FiniteDifferences.directional(loss::at, phi, g.div(gNorm), H));
        LOG.info("exact hypergradient on the transformer vs central differences of L: worst directional error {}, "
                + "relative error along g {} (|g| = {})", worst, alongG, gNorm);
        assertTrue(worst < TOLERANCE, "worst directional error " + worst);
        assertTrue(alongG < TOLERANCE, "error along g " + alongG);
    }

    /**
     * (c) Every mode against its own definition: the exact derivative of the surrogate L_K (testmodels.SurrogateOuterLoss),
     * whose first D - K steps take grad F at the stored theta_t. K = 0 is first-order, K = D exact.
     */
    @ParameterizedTest
    @ValueSource(strings = {"first-order", "truncated-1", "truncated-3", "truncated-4"})
    void shouldMatchCentralDifferencesOfItsSurrogateInEveryMode(String name) {
        HypergradientSettings settings = name.equals("first-order")
                ? new HypergradientSettings(Mode.FIRST_ORDER, 1, 0)
                : new HypergradientSettings(Mode.TRUNCATED, Integer.parseInt(name.substring("truncated-".length())), 0);
        int realSteps = STEPS - Hypergradient.firstHessianStep(settings, STEPS);
        InMemoryDomainBatches batches = batches();
        SurrogateOuterLoss surrogate = new SurrogateOuterLoss(policy, reward, batches, INNER, PAIRS, phi);
        INDArray g = hypergradient(batches, settings);
        double worst = worstDirectionalError(p -> surrogate.at(p, realSteps), phi, g, reward.parameterGroups(), 17);
        LOG.info("{} hypergradient on the transformer vs central differences of L_{}: worst directional error {}",
                name, realSteps, worst);
        assertTrue(worst < TOLERANCE, name + ": worst directional error " + worst);
    }

    /** Guards (c): if the Hessian terms were negligible here, a mode that ignores them would pass every check. */
    @Test
    void shouldMakeTheModesDistinguishableOnTheTransformer() {
        INDArray exact = hypergradient(batches(), new HypergradientSettings(Mode.EXACT, 1, 0));
        INDArray truncated = hypergradient(batches(), new HypergradientSettings(Mode.TRUNCATED, 1, 0));
        INDArray firstOrder = hypergradient(batches(), new HypergradientSettings(Mode.FIRST_ORDER, 1, 0));
        double truncatedGap = FiniteDifferences.relativeError(truncated, exact);
        double firstOrderGap = FiniteDifferences.relativeError(firstOrder, exact);
        LOG.info("transformer: distance from exact of truncated(1) {}, of first-order {}", truncatedGap, firstOrderGap);
        assertTrue(truncatedGap > 1e-3 && firstOrderGap > 1e-3, "truncated " + truncatedGap + ", first-order "
                + firstOrderGap);
    }

    /**
     * The direct term from the reward Jacobians the inner loop kept (decision 75) against the weighted reward backward
     * over the kept batches: the same g, in every mode, and the Jacobian path runs no reward pass.
     */
    @ParameterizedTest
    @ValueSource(strings = {"exact", "truncated-2", "first-order"})
    void shouldGiveTheSameHypergradientFromTheRewardJacobians(String name) {
        HypergradientSettings settings = name.equals("exact") ? new HypergradientSettings(Mode.EXACT, 1, 0)
                : name.equals("first-order") ? new HypergradientSettings(Mode.FIRST_ORDER, 1, 0)
                : new HypergradientSettings(Mode.TRUNCATED, 2, 0);
        InMemoryDomainBatches batches = batches();
        InnerTrajectory run = InnerLoop.forMetaTraining(policy, reward, INNER).run(phi, batches, true);
        assertTrue(run.steps().stream().allMatch(step -> step.rewardJacobian() != null), "no Jacobian kept");
        INDArray v = PreferenceLoss.evaluate(policy, run.finalTheta(), batches.nextPreferenceBatch(PAIRS), true)
                .gradient();
        InnerTrajectory plain = Trajectories.withoutRewardJacobians(run);
        Hypergradient hypergradient = new Hypergradient(policy, reward, settings);
        Hypergradient.Result fromJacobians = hypergradient.compute(phi, run, v);
        Hypergradient.Result fromBackward = hypergradient.compute(phi, plain, v);
        assertEquals(0, fromJacobians.rewardBackwardPasses());
        assertTrue(fromBackward.rewardBackwardPasses() > 0);
        double error = FiniteDifferences.relativeError(fromJacobians.gradient(), fromBackward.gradient());
        LOG.info("{}: Jacobian direct term against the weighted reward backward: relative error {}", name, error);
        assertTrue(error < 1e-12, name + ": relative error " + error);
    }

    // ---------------------------------------------------------------------------------------------------------

    private INDArray hypergradient(InMemoryDomainBatches batches, HypergradientSettings settings) {
        return new DomainMetaStep(policy, reward, batches, INNER, OUTER, settings).compute(phi, 0).hypergradient();
    }

    /**
     * The largest error over {@link #RANDOM_DIRECTIONS} random unit directions and one random unit direction inside
     * each parameter group, each measured relative to the norm of {@code gradient} on the direction's support.
     * Also asserts that the gradient is non-zero on every group, so that no group is checked only trivially.
     */
    private static double worstDirectionalError(ToDoubleFunction<INDArray> f, INDArray x, INDArray gradient,
                                                List<ParameterGroup> groups, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<INDArray> directions = new ArrayList<>();
        List<Double> scales = new ArrayList<>();
        for (int k = 0; k < RANDOM_DIRECTIONS; k++) {
            directions.add(FiniteDifferences.randomUnit(x.length(), x, random));
            scales.add(gradient.norm2Number().doubleValue());
        }
        for (ParameterGroup group : groups) {
            INDArray inGroup = FiniteDifferences.randomUnit(group.length(), x, random);
            INDArray u = x.like();
            INDArray restricted = x.like();
            for (long i = 0; i < group.length(); i++) {
                u.putScalar(group.offset() + i, inGroup.getDouble(i));
                restricted.putScalar(group.offset() + i, gradient.getDouble(group.offset() + i));
            }
            double groupNorm = restricted.norm2Number().doubleValue();
            assertTrue(groupNorm > 0, "the gradient is zero on parameter group " + group.name());
            directions.add(u);
            scales.add(groupNorm);
        }
        double worst = 0;
        for (int k = 0; k < directions.size(); k++) {
            INDArray u = directions.get(k);
            double analytic = gradient.mul(u).sumNumber().doubleValue();
            double numeric = FiniteDifferences.directional(f, x, u, H);
            worst = Math.max(worst, Math.abs(analytic - numeric) / scales.get(k));
        }
        return worst;
    }
}
