package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.DataSettings.BadLinePolicy;
import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.testmodels.MleWarmStart;
import dev.metareward.tensors.bilevel.testmodels.ReplayedOuterLoss;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.Tokenizers;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import dev.metareward.tensors.model.transformer.ModelShape;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meta-training (Algorithm 1, {@link MetaTrainer}, exact hypergradient) with the real transformer on the built-in
 * sentiment data lowers the outer loss on a fixed held set.
 *
 * <p>The held set is fixed so that the comparison is not drowned in the noise of the per-step batches: for each
 * training domain, L(phi) replays the inner loop on the same D SFT batches of the domain's training split and then
 * evaluates loss_PL on the same 32 pairs of the domain's evaluation split (testmodels.ReplayedOuterLoss); the test
 * compares the mean over the three domains at phi_0 and after 20 outer steps.
 *
 * <p>Settings (float64, seeded, ~10 s): a 1-layer transformer (d_model 32, 2 heads, d_ff 64, context 48 = 16 + 32,
 * LoRA rank 4) whose base is warm-started for 200 steps on the SFT data (token loss 5.6 -> 1.3), D = 5 inner steps
 * of B = 8 with alpha = 0.002, 20 outer steps of plain SGD (eta = 0.05, hypergradient clipped to norm 1).
 *
 * <p>Why these: the per-step hypergradients are very noisy (their loss_PL ranges 2.7-5.6 from batch to batch), but
 * their mean is not: at alpha = 0.002 the mean of 30 training hypergradients at phi_0 had cosine 0.93 with the
 * hypergradient of the held set (0.28 at alpha = 0.01, where the held L is flat in the step size). SGD follows that
 * mean; Adam, which moves every coordinate by ~eta whatever its signal, and larger alpha (0.05: the inner loop
 * overshoots and L is chaotic in phi) gave decreases and increases depending on the seed, so they would make a test
 * that proves nothing. What phi learns here (logged): to weight the SFT data up (mean r on SFT samples 0 -> ~1.4),
 * because alpha = 0.002 is below the best inner step size for this policy. Measured over model seeds 1-4: held L
 * fell by 0.11 to 0.35 (seed 3, used here: 3.459 -> 3.222); with the sign of the outer update flipped by hand
 * (OuterOptimizer adding instead of subtracting its step) it rose by 0.03 to 2.5 on every seed (seed 3: -> 3.556),
 * so the required decrease of 0.05 separates the two.
 */
class BuiltinDataMetaTrainingTest {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltinDataMetaTrainingTest.class);

    private static final List<String> DOMAINS = List.of("books", "dvd", "electronics");
    private static final int CONTEXT = 48;
    private static final int PROMPT = 16;
    private static final int WARM_START_STEPS = 200;
    private static final int HELD_PAIRS = 32;
    private static final int OUTER_STEPS = 20;
    private static final double REQUIRED_DECREASE = 0.05;

    @TempDir
    Path dir;

    @Test
    void shouldLowerTheOuterLossOnAFixedHeldSetOfPreferencePairs() {
        new SentimentDataGenerator(new BuiltinDataSettings(DOMAINS, 160, 80, 7), PROMPT - 1, CONTEXT - PROMPT - 1)
                .writeTo(dir);
        MultiDomainData data = MultiDomainData.load(dir, DOMAINS, BadLinePolicy.FAIL, 0.25);
        Batcher batcher = new Batcher(Tokenizers.fromSetting("byte"), CONTEXT, PROMPT);
        ModelShape shape = new ModelShape(ModelShape.BYTE_VOCAB, CONTEXT, 1, 32, 2, 64, 4, 2.0);
        TransformerModel model = TransformerModel.create(shape, DataType.DOUBLE, 0.02, 3);
        MleWarmStart.train(model, DOMAINS.stream().map(data::domain).toList(), batcher, WARM_START_STEPS);

        InnerSettings inner = new InnerSettings(5, 8, 0.002, 1.0, 20.0);
        OuterSettings outer = new OuterSettings(OUTER_STEPS, 8, OuterSettings.Optimizer.SGD, 0.05, 1.0);
        HypergradientSettings exact = new HypergradientSettings(HypergradientSettings.Mode.EXACT, 1, 0);
        List<DomainBatches> training = new ArrayList<>();
        List<ReplayedOuterLoss> held = new ArrayList<>();
        for (String domain : DOMAINS) {
            DomainData d = data.domain(domain);
            training.add(DomainSampler.overTrainSplit(d, batcher, 11));
            held.add(new ReplayedOuterLoss(model.policy(), model.reward(),
                    new DomainSampler(domain, d.sftTrain(), d.prefEval(), batcher, 99), inner, HELD_PAIRS));
        }
        INDArray phi0 = model.reward().initialParameters(5);
        double before = meanLoss(held, phi0);
        MetaTrainer trainer = MetaTrainer.create(model.policy(), model.reward(), training, inner, outer, exact, phi0);
        List<MetaTrainer.OuterStepRecord> records = trainer.train(OUTER_STEPS);
        double after = meanLoss(held, trainer.phi());

        TokenBatch probe = DomainSampler.overTrainSplit(data.domain("books"), batcher, 5).nextSftBatch(64);
        LOG.info("built-in data: held-out loss_PL {} -> {} after {} outer steps; mean r on 64 SFT samples {} -> {}; "
                        + "per-step training loss {}", before, after, OUTER_STEPS,
                model.reward().rewards(phi0, probe).meanNumber(), model.reward().rewards(trainer.phi(), probe).meanNumber(),
                records.stream().map(r -> String.format("%.3f", r.meanOuterLoss())).toList());
        assertEquals(OUTER_STEPS, trainer.version(), "every outer step should have been applied");
        assertTrue(after < before - REQUIRED_DECREASE, "held-out loss_PL " + before + " -> " + after);
    }

    private static double meanLoss(List<ReplayedOuterLoss> held, INDArray phi) {
        return held.stream().mapToDouble(l -> l.at(phi)).average().orElseThrow();
    }
}
