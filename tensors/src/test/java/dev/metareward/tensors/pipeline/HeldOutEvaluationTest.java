package dev.metareward.tensors.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import dev.metareward.tensors.judge.GroundTruthJudge;
import dev.metareward.tensors.data.TokenBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pieces of held-out evaluation the experiment relies on, on a tiny float64 model over the generated built-in
 * data: fine-tuning in pieces (for the accuracy-vs-steps curve) ends at the same theta as one run, and the held-out
 * LM loss is the per-token mean NLL however the samples are batched.
 */
class HeldOutEvaluationTest {

    @TempDir
    Path dir;

    private MetarewardConfig tinyConfig() {
        return MetarewardConfig.defaults().with(Map.of(
                "model.dtype", "float64", "model.layers", 1, "model.d-model", 16, "model.heads", 2,
                "model.d-ff", 32, "model.lora-rank", 2, "base.steps", 3)).with(Map.of(
                "data.builtin.sft-per-domain", 30, "data.builtin.pref-per-domain", 10,
                "data.dir", dir.resolve("data").toString(), "run.output-dir", dir.resolve("out").toString()));
    }

    private HeldOutEvaluation evaluation(MetarewardConfig config, WarmStartedModel prepared) {
        return new HeldOutEvaluation(config, prepared.model().policy(), prepared.model().reward(), prepared.batcher(),
                new GroundTruthJudge(GroundTruthScorer.forDomains(prepared.data().domains()), "ground truth"));
    }

    @Test
    void shouldEndFineTuningInPiecesWhereOneRunEnds() {
        MetarewardConfig config = tinyConfig();
        WarmStartedModel prepared = WarmStartedModel.prepare(config, PhaseListener.NONE);
        HeldOutEvaluation evaluation = evaluation(config, prepared);
        DomainData kitchen = prepared.data().domain("kitchen");
        // a phi away from zero, so that the reward weights differ between samples
        INDArray phi = prepared.model().reward().initialParameters(3).addi(0.05);

        INDArray oneRun = evaluation.fineTune(kitchen, phi, 5);
        List<Integer> observed = new ArrayList<>();
        INDArray pieces = evaluation.fineTune(kitchen, phi, 5, 2, (step, theta) -> observed.add(step));

        assertEquals(List.of(0, 2, 4, 5), observed);
        assertEquals(0.0, oneRun.sub(pieces).norm2Number().doubleValue(), 1e-12);
        assertTrue(oneRun.sub(prepared.model().policy().initialParameters()).norm2Number().doubleValue() > 0,
                "fine-tuning moved theta");
    }

    @Test
    void shouldFineTuneOnTheOwnSamplesOfThePolicyReproduciblyWhenAsked() {
        MetarewardConfig config = tinyConfig();
        WarmStartedModel prepared = WarmStartedModel.prepare(config, PhaseListener.NONE);
        HeldOutEvaluation onData = evaluation(config, prepared);
        HeldOutEvaluation onOwn = evaluation(config.with("meta-test.fine-tuning-data", "own-samples"), prepared);
        DomainData kitchen = prepared.data().domain("kitchen");
        INDArray phi = prepared.model().reward().initialParameters(3).addi(0.05);

        INDArray oneRun = onOwn.fineTune(kitchen, phi, 4);
        INDArray pieces = onOwn.fineTune(kitchen, phi, 4, 3, (step, theta) -> { });
        INDArray fromData = onData.fineTune(kitchen, phi, 4);

        // the samples of a step are drawn with a seed of that step from the policy of that step: same run, same theta
        assertEquals(0.0, oneRun.sub(pieces).norm2Number().doubleValue(), 1e-12);
        assertTrue(oneRun.sub(prepared.model().policy().initialParameters()).norm2Number().doubleValue() > 0,
                "fine-tuning on own samples moved theta");
        assertTrue(oneRun.sub(fromData).norm2Number().doubleValue() > 1e-6,
                "own samples are not the SFT data, so the policies differ");
    }

    @Test
    void shouldComputeTheLmLossAsNllPerScoredTokenWhateverTheBatching() {
        MetarewardConfig config = tinyConfig();
        WarmStartedModel prepared = WarmStartedModel.prepare(config, PhaseListener.NONE);
        HeldOutEvaluation evaluation = evaluation(config, prepared);
        List<SftSample> samples = prepared.data().domain("dvd").sftEval();
        INDArray theta = prepared.model().policy().initialParameters();

        double nll = 0;
        long tokens = 0;
        for (SftSample sample : samples) {
            TokenBatch one = prepared.batcher().sftBatch(List.of(sample));
            nll -= prepared.model().policy().sequenceLogProbs(theta, one).getDouble(0);
            tokens += one.scoredCount(0);
        }
        assertTrue(samples.size() > 1 && tokens > samples.size());
        assertEquals(nll / tokens, evaluation.lmLoss(theta, samples), 1e-9);
    }
}
