package dev.metareward.tensors.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.builtin.GeneratedData;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.pipeline.PhaseListener;
import dev.metareward.tensors.report.DomainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A judge that fails must cost the held-out evaluation its judge figures only: every PL accuracy is still
 * reported, the error is in the result, and the broken judge is not called again. Real tiny transformer, real
 * child processes.
 */
class HeldOutJudgeFailureTest {

    @TempDir
    Path dir;

    private static final MetarewardConfig CONFIG = MetarewardConfig.fromConfig(ConfigFactory.parseString("""
            metareward {
              model { layers = 1, d-model = 16, heads = 2, d-ff = 32, context = 48, prompt-tokens = 16, lora-rank = 2 }
              meta-test { steps = 2, batch = 4, temperatures = [0.5, 1.0], generation-prompts = 4 }
            }
            """));

    private DomainResult evaluate(Judge judge) {
        GeneratedData generated = new SentimentDataGenerator(new BuiltinDataSettings(List.of("kitchen"), 16, 8, 3),
                15, 31).generate();
        DomainData kitchen = MultiDomainData.of(generated.sft(), generated.pref(), 0.2).domain("kitchen");
        TransformerModel model = TransformerModel.create(CONFIG.model(), 5);
        Batcher batcher = Batcher.forModel(new ByteTokenizer(), CONFIG.model());
        HeldOutEvaluation evaluation = new HeldOutEvaluation(CONFIG, model.policy(), model.reward(), batcher, judge);
        INDArray phi = model.reward().initialParameters(1);
        return evaluation.evaluate(kitchen, phi, phi, PhaseListener.NONE);
    }

    private Judge script(String name, String body, Duration timeout) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        return new CommandJudge(List.of("/bin/sh", file.toString()), timeout);
    }

    @Test
    void shouldKeepEveryPlAccuracyAndReportTheErrorWhenTheJudgeCrashes() throws IOException {
        Path calls = dir.resolve("calls");
        DomainResult result = evaluate(script("crash.sh", "echo x >> " + calls + "; cat >/dev/null; exit 7",
                Duration.ofSeconds(30)));

        assertEquals(List.of(HeldOutEvaluation.SFT, HeldOutEvaluation.META_TEST_INITIAL_PHI, HeldOutEvaluation.META_TEST),
                List.copyOf(result.plAccuracy().keySet()));
        result.plAccuracy().values().forEach(a -> assertTrue(a >= 0 && a <= 1, "PL accuracy " + a));
        assertTrue(result.generationReward().isEmpty() && result.winRate().isEmpty(), result.toString());
        assertTrue(result.judgeError().contains("exited with status 7"), result.judgeError());
        assertEquals(1, Files.readAllLines(calls).size(), "a failed judge must not be called again");
    }

    @Test
    void shouldReportJudgeFiguresOfEveryPolicyWhenTheJudgeWorks() throws IOException {
        DomainResult result = evaluate(script("ok.sh", "while IFS= read -r line; do echo 0.25; done",
                Duration.ofSeconds(30)));

        assertNull(result.judgeError());
        assertEquals(3, result.generationReward().size());
        result.generationReward().values().forEach(m -> assertEquals(0.25, m.get(0.5)));
        result.winRate().values().forEach(w -> assertEquals(0.0, w, "a constant judge never prefers a generation"));
    }
}
