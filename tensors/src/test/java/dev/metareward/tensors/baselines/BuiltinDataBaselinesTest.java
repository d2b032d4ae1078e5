package dev.metareward.tensors.baselines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.DataSettings.BadLinePolicy;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.MetaTestSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.bilevel.testmodels.MleWarmStart;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.Tokenizers;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import dev.metareward.tensors.model.transformer.ModelShape;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.InitialPhi;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every baseline trainer end to end on the built-in sentiment data (books, dvd, electronics training, kitchen
 * held out) with a real, warm-started tiny transformer: each learns what its loss asks for, measured on pairs it
 * never trained on (the training domains' evaluation splits).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuiltinDataBaselinesTest {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltinDataBaselinesTest.class);
    private static final List<String> TRAINING = List.of("books", "dvd", "electronics");
    private static final String HELD_OUT = "kitchen";
    private static final int CONTEXT = 48;
    private static final int PROMPT = 16;
    private static final int WARM_START_STEPS = 200;
    private static final int HELD_PAIRS = 96;
    private static final long SEED = 5;

    private TransformerModel model;
    private Batcher batcher;
    private List<DomainData> training;
    private MultiDomainData data;
    private DomainData heldOut;
    private PreferenceBatch heldPairs;

    @BeforeAll
    void prepare(@TempDir Path dir) {
        List<String> all = new ArrayList<>(TRAINING);
        all.add(HELD_OUT);
        new SentimentDataGenerator(new BuiltinDataSettings(all, 160, 120, 7), PROMPT - 1, CONTEXT - PROMPT - 1)
                .writeTo(dir);
        data = MultiDomainData.load(dir, all, BadLinePolicy.FAIL, 0.25);
        batcher = new Batcher(Tokenizers.fromSetting("byte"), CONTEXT, PROMPT);
        model = TransformerModel.create(new ModelShape(ModelShape.BYTE_VOCAB, CONTEXT, 1, 32, 2, 64, 4, 2.0),
                DataType.FLOAT, 0.02, 3);
        training = TRAINING.stream().map(data::domain).toList();
        heldOut = data.domain(HELD_OUT);
        MleWarmStart.train(model, all.stream().map(data::domain).toList(), batcher, WARM_START_STEPS);
        List<PreferencePair> evalPairs = new ArrayList<>();
        training.forEach(d -> evalPairs.addAll(d.prefEval()));
        heldPairs = new DomainSampler("held", List.of(), evalPairs, batcher, 1).nextPreferenceBatch(HELD_PAIRS);
    }

    @Test
    void shouldOrderUnseenTrainingDomainPairsWellAboveChanceAfterBradleyTerryTraining() {
        RewardModelTrainer trainer = new RewardModelTrainer(model.reward(), batcher, adam(100, 16, 1e-2), 0);
        INDArray phi0 = model.reward().initialParameters(SEED);
        BaselineResult result = trainer.train(training, SEED, PhaseListener.NONE);
        double before = BradleyTerryLoss.pairAccuracy(model.reward(), phi0, heldPairs);
        double after = BradleyTerryLoss.pairAccuracy(model.reward(), result.parameters(), heldPairs);
        LOG.info("Bradley-Terry: pair accuracy on {} held pairs {} -> {}; loss {} -> {} (first/last 10 steps)",
                HELD_PAIRS, before, after, result.meanLoss(false, 10), result.meanLoss(true, 10));
        assertEquals(BaselineResult.RM_MT, result.label());
        assertEquals(TRAINING, result.dataDomains());
        assertTrue(after >= 0.7, "pair accuracy " + before + " -> " + after);
    }

    @Test
    void shouldStartPhiFromTheSeededInitialisationOrFromABradleyTerryModelAsOuterPhiInitSays() {
        MetarewardConfig config = MetarewardConfig.defaults().with(Map.of("run.seed", SEED,
                "data.training-domains", TRAINING, "data.held-out-domains", List.of(HELD_OUT),
                "baselines.reward-model.steps", 100, "baselines.reward-model.batch", 16,
                "baselines.reward-model.learning-rate", 1e-2, "baselines.select-every", 0,
                "outer.phi-init", "random"));
        INDArray random = InitialPhi.of(config, model.reward(), batcher, data, PhaseListener.NONE);
        assertEquals(model.reward().initialParameters(SplitMix64.derive(SEED, "phi-init")), random);

        MetarewardConfig bradleyTerry = config.with("outer.phi-init", "bradley-terry");
        INDArray trained = InitialPhi.of(bradleyTerry, model.reward(), batcher, data, PhaseListener.NONE);
        double before = BradleyTerryLoss.pairAccuracy(model.reward(), random, heldPairs);
        double after = BradleyTerryLoss.pairAccuracy(model.reward(), trained, heldPairs);
        LOG.info("phi_0 pair accuracy on {} unseen training-domain pairs: random {}, Bradley-Terry {}", HELD_PAIRS,
                before, after);
        assertTrue(after >= 0.7 && after > before, "pair accuracy random " + before + ", Bradley-Terry " + after);
        assertEquals(trained, InitialPhi.of(bradleyTerry, model.reward(), batcher, data, PhaseListener.NONE),
                "phi_0 is deterministic in the seed and the data (a restarted coordinator computes the same)");
    }

    @Test
    void shouldLowerTheDpoLossOnUnseenPairsBelowLogTwo() {
        DpoTrainer trainer = new DpoTrainer(model.policy(), batcher, adam(30, 8, 1e-3), 0.1, 0);
        BaselineResult result = trainer.train(training, SEED, PhaseListener.NONE);
        INDArray reference = model.policy().initialParameters();
        DpoLoss.ReferenceMargins margins = DpoLoss.referenceMargins(model.policy(), reference, heldPairs);
        double after = DpoLoss.evaluate(model.policy(), result.parameters(), heldPairs, margins, 0.1, false).loss();
        LOG.info("DPO: loss on {} held pairs {} -> {}; training loss {} -> {}", HELD_PAIRS, Math.log(2), after,
                result.meanLoss(false, 5), result.meanLoss(true, 5));
        assertEquals(TRAINING, result.dataDomains());
        assertTrue(after < Math.log(2) - 0.02, "held DPO loss " + after + " vs log 2 = " + Math.log(2));
    }

    @Test
    void shouldLowerLossPlOnUnseenPairsByHpl() {
        HplTrainer trainer = new HplTrainer(model.policy(), batcher, adam(30, 8, 1e-3), 0);
        double before = PreferenceLoss.evaluate(model.policy(), model.policy().initialParameters(), heldPairs, false).loss();
        BaselineResult honest = trainer.train(training, List.of(), SEED, PhaseListener.NONE);
        double after = PreferenceLoss.evaluate(model.policy(), honest.parameters(), heldPairs, false).loss();
        LOG.info("HPL: loss_PL on {} held pairs {} -> {}", HELD_PAIRS, before, after);
        assertEquals(BaselineResult.HPL_TR, honest.label());
        assertFalse(honest.heldOutPreferences());
        assertTrue(after < before - 0.05, "held loss_PL " + before + " -> " + after);

        BaselineResult oracle = new HplTrainer(model.policy(), batcher, adam(1, 8, 1e-3), 1)
                .train(training, List.of(heldOut), SEED, PhaseListener.NONE);
        assertEquals(BaselineResult.HPL_TR_TE, oracle.label());
        assertTrue(oracle.heldOutPreferences());
        assertEquals(List.of("books", "dvd", "electronics", HELD_OUT), oracle.dataDomains());
    }

    @Test
    void shouldFineTuneWithTheMetaTestLoopOnTheChosenSftDomains() {
        RwrFineTuner tuner = new RwrFineTuner(model.policy(), batcher, new InnerSettings(10, 8, 5e-3, 1.0, 20.0),
                new MetaTestSettings(20, 8, 5e-3, 5, List.of(1.0), 0));
        TokenBatch heldSft = batcher.sftBatch(heldOut.sftEval());
        INDArray theta0 = model.policy().initialParameters();
        double before = meanNll(theta0, heldSft);
        BaselineResult continued = tuner.sftContinued(heldOut, SEED);
        double after = meanNll(continued.parameters(), heldSft);
        LOG.info("SFT continued on {}: mean NLL of its unseen SFT samples {} -> {}", HELD_OUT, before, after);
        assertTrue(after < before - 0.05, "held-out SFT NLL " + before + " -> " + after);

        INDArray phi = model.reward().initialParameters(SEED);
        BaselineResult tr = tuner.rmMtRwr(model.reward(), phi, training, List.of(), SEED);
        BaselineResult trTe = tuner.rmMtRwr(model.reward(), phi, training, List.of(heldOut), SEED);
        assertEquals(BaselineResult.RM_MT_RWR_TR, tr.label());
        assertEquals(BaselineResult.RM_MT_RWR_TR_TE, trTe.label());
        assertEquals(List.of("books", "dvd", "electronics", HELD_OUT), trTe.dataDomains());
        assertEquals(20, tr.stepLosses().length);
        assertTrue(tr.parameters().sub(trTe.parameters()).norm2Number().doubleValue() > 0,
                "TR and TR+TE fine-tuned on different data but gave the same theta");
        assertEquals(theta0, tuner.sft().parameters());
    }

    private double meanNll(INDArray theta, TokenBatch batch) {
        return -model.policy().sequenceLogProbs(theta, batch).meanNumber().doubleValue();
    }

    private static OuterSettings adam(int steps, int batch, double learningRate) {
        return new OuterSettings(steps, batch, OuterSettings.Optimizer.ADAM, learningRate, 1.0);
    }
}
