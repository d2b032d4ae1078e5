package dev.metareward.tensors.pipeline;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.InnerReward;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.judge.Judges;
import java.util.Optional;
import java.util.function.ToDoubleBiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An inner-loop reward that ignores phi and scores each row's text instead: the row is decoded back into its prompt
 * (the unscored tokens) and response (the scored ones), and a scorer such as the built-in data's ground truth
 * r*(prompt, response) gives its reward. This is the ceiling row's reward: the meta-test with the true reward in
 * place of r_phi. Prompts and responses truncated by the batcher are scored as truncated.
 */
public final class TextScorerReward implements InnerReward {

    private final Tokenizer tokenizer;
    private final ToDoubleBiFunction<String, String> scorer;

    /**
     * The known reward of the built-in data set in {@code data.dir} as an inner reward (the ceiling row's), or empty
     * for a user's data, which has no known reward.
     */
    public static Optional<InnerReward> groundTruth(MetarewardConfig config, MultiDomainData data, Tokenizer tokenizer) {
        return Judges.groundTruth(config, data, config.data().dir())
                .map(truth -> new TextScorerReward(tokenizer, truth::score));
    }

    /** {@code scorer} maps (prompt, response) to a reward. */
    public TextScorerReward(Tokenizer tokenizer, ToDoubleBiFunction<String, String> scorer) {
        this.tokenizer = tokenizer;
        this.scorer = scorer;
    }

    @Override
    public INDArray rewards(INDArray phi, TokenBatch batch) {
        double[] r = new double[batch.size()];
        for (int b = 0; b < batch.size(); b++) {
            r[b] = scorer.applyAsDouble(prompt(batch, b), response(batch, b));
        }
        return Nd4j.createFromArray(r).castTo(DataType.DOUBLE);
    }

    /** The tokens before the first scored position (BOS and PAD are dropped by the decoder). */
    String prompt(TokenBatch batch, int row) {
        int[] tokens = batch.tokens()[row];
        boolean[] scored = batch.scored()[row];
        int end = 0;
        while (end < tokens.length && !scored[end]) {
            end++;
        }
        int[] prompt = new int[end];
        System.arraycopy(tokens, 0, prompt, 0, end);
        return tokenizer.decode(prompt);
    }

    /** The scored tokens (the final EOS is dropped by the decoder). */
    String response(TokenBatch batch, int row) {
        int[] tokens = batch.tokens()[row];
        boolean[] scored = batch.scored()[row];
        int[] response = new int[batch.scoredCount(row)];
        int k = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (scored[t]) {
                response[k++] = tokens[t];
            }
        }
        return tokenizer.decode(response);
    }
}
