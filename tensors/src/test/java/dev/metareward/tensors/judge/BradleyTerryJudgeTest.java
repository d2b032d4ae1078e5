package dev.metareward.tensors.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.JudgeSettings;
import dev.metareward.tensors.bilevel.testmodels.BagOfTokensReward;
import dev.metareward.tensors.bilevel.testmodels.FiniteDifferences;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.builtin.GeneratedData;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The oracle judge: its Bradley-Terry gradient against finite differences, and that it learns a domain's labels. */
class BradleyTerryJudgeTest {

    private static final Batcher BATCHER = new Batcher(new ByteTokenizer(), 64, 16);

    private static GeneratedData data() {
        return new SentimentDataGenerator(new BuiltinDataSettings(List.of("kitchen", "books"), 20, 200, 11), 15, 47)
                .generate();
    }

    @Test
    void shouldMatchCentralFiniteDifferencesInFloat64() {
        BagOfTokensReward reward = new BagOfTokensReward(ByteTokenizer.VOCAB_SIZE, 3, DataType.DOUBLE, 0.5);
        INDArray phi = reward.initialParameters(4);
        PreferenceBatch batch = BATCHER.preferenceBatch(data().pref().subList(0, 4));

        INDArray analytic = BradleyTerryJudge.lossAndGradient(reward, phi, batch).gradient();
        assertTrue(analytic.norm2Number().doubleValue() > 1e-3, "a vanishing gradient would pass trivially");
        // Directional derivatives along random unit vectors (every coordinate would take 1,500 forward passes).
        SplittableRandom random = new SplittableRandom(8);
        for (int k = 0; k < 4; k++) {
            INDArray u = FiniteDifferences.randomUnit(phi.length(), phi, random);
            double numeric = FiniteDifferences.directional(
                    p -> BradleyTerryJudge.lossAndGradient(reward, p, batch).loss(), phi, u, 1e-6);
            double exact = analytic.mul(u).sumNumber().doubleValue();
            // Relative to the gradient's norm: a direction nearly orthogonal to it has a tiny derivative whose
            // finite difference is dominated by rounding (about 1e-16 / h).
            double error = Math.abs(exact - numeric) / analytic.norm2Number().doubleValue();
            assertTrue(error < 1e-6, "direction " + k + ": analytic " + exact + ", finite differences " + numeric);
        }
    }

    @Test
    void shouldLearnTheHeldOutDomainsLabelsAndScoreWithThem() {
        GeneratedData generated = data();
        MultiDomainData data = MultiDomainData.of(generated.sft(), generated.pref(), 0.25);
        AtomicInteger models = new AtomicInteger();
        BradleyTerryJudge judge = new BradleyTerryJudge(() -> {
            models.incrementAndGet();
            return new BagOfTokensReward(ByteTokenizer.VOCAB_SIZE, 8, DataType.DOUBLE, 0.1);
        }, BATCHER, data, new JudgeSettings.BradleyTerry(300, 16, 3e-2), 9);
        assertEquals(0, models.get(), "the reward model is made on first use only");

        List<PreferencePair> eval = data.domain("kitchen").prefEval();
        List<Judge.Generation> items = eval.stream().flatMap(p -> List.of(new Judge.Generation(p.prompt(), p.chosen()),
                new Judge.Generation(p.prompt(), p.rejected())).stream()).toList();
        double[] scores = judge.score("kitchen", items);
        double right = 0;
        for (int i = 0; i < eval.size(); i++) {
            right += scores[2 * i] > scores[2 * i + 1] ? 1 : 0;
        }
        double accuracy = right / eval.size();
        assertTrue(accuracy > 0.65, "accuracy on held-back pairs of the domain " + accuracy + " (untrained: about 0.5)");
        assertTrue(judge.describe().contains("kitchen: ") && judge.describe().contains("eval pairs"), judge.describe());
        assertEquals(1, models.get());
        assertThrows(JudgeException.class, () -> judge.score("dvd", items.subList(0, 1)));
    }
}
