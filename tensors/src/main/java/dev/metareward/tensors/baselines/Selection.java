package dev.metareward.tensors.baselines;

import dev.metareward.tensors.bilevel.PreferenceLoss;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.eval.PlAccuracy;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Model selection as in the paper: every {@code every} steps (and at the start) the parameters are scored on the
 * <em>training</em> domains' evaluation pairs, and the best-scoring ones are returned instead of the last. A held-out
 * domain never selects. Policies are scored by PL accuracy (the criterion that picks the meta-learned phi), the
 * reward model by minus its Bradley-Terry loss (its pair accuracy on a few hundred pairs ties too often to choose).
 *
 * @param every score every this many steps; 0 = no selection (the last step's parameters are returned)
 * @param score higher is better
 */
record Selection(int every, ToDoubleFunction<INDArray> score) {

    private static final int CHUNK = 32;

    static final Selection NONE = new Selection(0, p -> 0);

    Selection {
        if (every < 0) {
            throw new IllegalArgumentException("baselines.select-every must be >= 0 but was " + every);
        }
    }

    boolean active() {
        return every > 0;
    }

    static Selection forPolicy(int every, PolicyModel policy, Batcher batcher, List<DomainData> trainingDomains) {
        if (every == 0) {
            return NONE;
        }
        List<PreferencePair> pairs = evaluationPairs(trainingDomains);
        return new Selection(every, theta -> {
            PlAccuracy.Counts counts = PlAccuracy.Counts.NONE;
            for (int from = 0; from < pairs.size(); from += CHUNK) {
                counts = counts.plus(PlAccuracy.evaluate(policy, theta, batcher.preferenceBatch(chunk(pairs, from))));
            }
            return counts.accuracy();
        });
    }

    static Selection forRewardModel(int every, RewardModel reward, Batcher batcher, List<DomainData> trainingDomains) {
        if (every == 0) {
            return NONE;
        }
        List<PreferencePair> pairs = evaluationPairs(trainingDomains);
        return new Selection(every, phi -> {
            double sum = 0;
            for (int from = 0; from < pairs.size(); from += CHUNK) {
                List<PreferencePair> chunk = chunk(pairs, from);
                PreferenceLoss.Result r = BradleyTerryLoss.evaluate(reward, phi, batcher.preferenceBatch(chunk), false);
                sum += r.loss() * chunk.size();
            }
            return -sum / pairs.size();
        });
    }

    private static List<PreferencePair> chunk(List<PreferencePair> pairs, int from) {
        return pairs.subList(from, Math.min(pairs.size(), from + CHUNK));
    }

    private static List<PreferencePair> evaluationPairs(List<DomainData> trainingDomains) {
        List<PreferencePair> pairs = new ArrayList<>();
        trainingDomains.forEach(d -> pairs.addAll(d.prefEval()));
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("model selection (baselines.select-every > 0) needs the training domains' "
                    + "evaluation pairs, but " + PooledData.names(trainingDomains) + " have none; raise "
                    + "data.eval-fraction, add pref.eval.jsonl, or set baselines.select-every = 0");
        }
        return pairs;
    }
}
