package dev.metareward.tensors.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.SourceLine;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ceiling row's reward: the scorer sees each row's own prompt and response text, read back from the tokens. */
class TextScorerRewardTest {

    private final Batcher batcher = new Batcher(new ByteTokenizer(), 64, 16);

    @Test
    void shouldScoreThePromptAndResponseOfEveryRow() {
        List<SftSample> samples = List.of(
                new SftSample("kitchen", "The kettle", " is sturdy and durable.", SourceLine.NONE),
                new SftSample("kitchen", "The pan", " was flimsy, really rusty.", SourceLine.NONE),
                new SftSample("kitchen", "", " okay", SourceLine.NONE));
        TokenBatch batch = batcher.sftBatch(samples);
        List<String> seen = new ArrayList<>();
        double[] rewards = new TextScorerReward(batcher.tokenizer(), (prompt, response) -> {
            seen.add(prompt + "|" + response);
            return response.length();
        }).rewards(null, batch).toDoubleVector();
        assertArrayEquals(new String[] {"The kettle| is sturdy and durable.", "The pan| was flimsy, really rusty.",
                "| okay"}, seen.toArray(new String[0]));
        assertArrayEquals(new double[] {23, 26, 5}, rewards);
    }

    @Test
    void shouldGiveTheGroundTruthOfTheBuiltInData() {
        GroundTruthScorer truth = GroundTruthScorer.forDomains(List.of("kitchen"));
        List<SftSample> samples = List.of(
                new SftSample("kitchen", "The kettle", " is sturdy and durable.", SourceLine.NONE),
                new SftSample("kitchen", "The pan", " was flimsy, really rusty.", SourceLine.NONE));
        double[] rewards = new TextScorerReward(batcher.tokenizer(), truth::score)
                .rewards(null, batcher.sftBatch(samples)).toDoubleVector();
        assertArrayEquals(new double[] {truth.score("The kettle", " is sturdy and durable."),
                truth.score("The pan", " was flimsy, really rusty.")}, rewards);
        // the scorer is not trivially constant on these rows: positive vs negative sentiment
        assertArrayEquals(new double[] {1, -1}, new double[] {Math.signum(rewards[0]), Math.signum(rewards[1])});
    }
}
