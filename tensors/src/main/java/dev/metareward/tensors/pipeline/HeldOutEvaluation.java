package dev.metareward.tensors.pipeline;

import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.InnerReward;
import dev.metareward.tensors.bilevel.MetaTester;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import dev.metareward.tensors.eval.PlAccuracy;
import dev.metareward.tensors.eval.Sampler;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.report.DomainResult;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Algorithm 2 on each held-out domain, compared with the policies a user would otherwise have: the SFT policy
 * (theta_0 on the warm-started base), a policy fine-tuned with the initial (untrained) phi, and one fine-tuned with
 * the meta-learned phi. Every fine-tuning run sees the same batches (a fresh sampler with the same seed), so the
 * only difference between the last two is phi. With a ceiling reward (the built-in data's ground truth) a fourth
 * policy is fine-tuned the same way with that reward in place of r_phi: what a perfect reward could do with this
 * policy, data and budget. Reports PL accuracy (Eq. 26) on all of the domain's preference
 * pairs (none of them was used in training), the judge's median reward of sampled continuations per temperature,
 * and the win rate of generations against the data set's chosen answers.
 */
public final class HeldOutEvaluation {
    public static final String SFT = "sft";
    public static final String META_TEST_INITIAL_PHI = "meta-test, initial phi";
    public static final String META_TEST = "meta-test";
    public static final String META_TEST_TRUE_REWARD = "meta-test, true reward";
    private static final int EVAL_BATCH = 32;

    private final MetarewardConfig config;
    private final PolicyModel policy;
    private final MetaTester tester;
    private final Optional<MetaTester> ceilingTester;
    private final Batcher batcher;
    private final GroundTruthScorer judge;

    public HeldOutEvaluation(MetarewardConfig config, PolicyModel policy, RewardModel reward, Batcher batcher,
                             GroundTruthScorer judge) {
        this(config, policy, reward, batcher, judge, Optional.empty());
    }

    /** {@code ceilingReward}: the reward of the ceiling row's fine-tuning, or empty for no ceiling row. */
    public HeldOutEvaluation(MetarewardConfig config, PolicyModel policy, RewardModel reward, Batcher batcher,
                             GroundTruthScorer judge, Optional<InnerReward> ceilingReward) {
        this.config = config;
        this.policy = policy;
        this.tester = new MetaTester(policy, reward, config.inner(), config.metaTest());
        this.ceilingTester = ceilingReward.map(r -> new MetaTester(policy, r, config.inner(), config.metaTest()));
        this.batcher = batcher;
        this.judge = judge;
    }

    /** Fine-tuning runs per held-out domain in {@link #evaluate}: initial phi, trained phi and the ceiling's. */
    public int fineTuningRuns() {
        return ceilingTester.isPresent() ? 3 : 2;
    }

    /** Evaluates one held-out domain with the initial and the trained phi (and the ceiling reward, if any). */
    public DomainResult evaluate(DomainData domain, INDArray initialPhi, INDArray trainedPhi, PhaseListener listener) {
        Map<String, INDArray> policies = new LinkedHashMap<>();
        int runs = fineTuningRuns();
        policies.put(SFT, policy.initialParameters());
        policies.put(META_TEST_INITIAL_PHI, fineTune(domain, initialPhi));
        listener.onProgress("meta-test " + domain.domain(), 1, runs, "initial phi done");
        policies.put(META_TEST, fineTune(domain, trainedPhi));
        listener.onProgress("meta-test " + domain.domain(), 2, runs, "trained phi done");
        if (ceilingTester.isPresent()) {
            policies.put(META_TEST_TRUE_REWARD, fineTune(ceilingTester.get(), domain, trainedPhi,
                    config.metaTest().steps()));
            listener.onProgress("meta-test " + domain.domain(), 3, runs, "true reward done");
        }

        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, Map<Double, Double>> rewards = new LinkedHashMap<>();
        Map<String, Double> winRates = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : policies.entrySet()) {
            accuracy.put(e.getKey(), plAccuracy(e.getValue(), domain.prefAll()));
            GenerationScores scores = generationScores(e.getValue(), domain);
            rewards.put(e.getKey(), scores.medianByTemperature());
            winRates.put(e.getKey(), scores.winRate());
        }
        return new DomainResult(domain.domain(), accuracy, rewards, winRates);
    }

    private INDArray fineTune(DomainData domain, INDArray phi) {
        return fineTune(domain, phi, config.metaTest().steps());
    }

    /** Algorithm 2 on {@code domain}'s SFT data with {@code steps} steps; the same batches for every phi. */
    public INDArray fineTune(DomainData domain, INDArray phi, int steps) {
        return fineTune(tester, domain, phi, steps);
    }

    private INDArray fineTune(MetaTester with, DomainData domain, INDArray phi, int steps) {
        DomainSampler sampler = DomainSampler.overTrainSplit(domain, batcher,
                SplitMix64.derive(config.run().seed(), "meta-test", domain.domain()));
        return with.fineTune(phi, sampler, steps).finalTheta();
    }

    /** PL accuracy of {@code theta} over {@code pairs}, in batches. */
    public double plAccuracy(INDArray theta, List<PreferencePair> pairs) {
        PlAccuracy.Counts counts = PlAccuracy.Counts.NONE;
        for (int from = 0; from < pairs.size(); from += EVAL_BATCH) {
            List<PreferencePair> chunk = pairs.subList(from, Math.min(pairs.size(), from + EVAL_BATCH));
            counts = counts.plus(PlAccuracy.evaluate(policy, theta, batcher.preferenceBatch(chunk)));
        }
        return counts.accuracy();
    }

    private record GenerationScores(Map<Double, Double> medianByTemperature, double winRate) {
    }

    private GenerationScores generationScores(INDArray theta, DomainData domain) {
        int n = Math.min(config.metaTest().generationPrompts(), domain.prefAll().size());
        Map<Double, Double> medians = new LinkedHashMap<>();
        if (n == 0) {
            return new GenerationScores(medians, Double.NaN);
        }
        List<PreferencePair> pairs = domain.prefAll().subList(0, n);
        List<String> prompts = pairs.stream().map(PreferencePair::prompt).toList();
        TokenBatch promptBatch = batcher.promptBatch(prompts);
        Tokenizer tokenizer = batcher.tokenizer();
        Sampler sampler = new Sampler(policy, tokenizer.eos(), tokenizer.pad(), Set.of(tokenizer.bos(), tokenizer.pad()));
        int maxLength = batcher.context();
        long wins = 0;
        long games = 0;
        for (double temperature : config.metaTest().temperatures()) {
            Sampler.Generations generations = sampler.sample(theta, promptBatch, temperature, maxLength,
                    SplitMix64.derive(config.run().seed(), "generation", domain.domain(), Double.toString(temperature)));
            double[] scores = new double[n];
            for (int i = 0; i < n; i++) {
                String text = tokenizer.decode(generations.continuations()[i]);
                scores[i] = judge.score(prompts.get(i), text);
                double chosen = judge.score(prompts.get(i), pairs.get(i).chosen());
                wins += scores[i] > chosen ? 1 : 0;
                games++;
            }
            medians.put(temperature, median(scores));
        }
        return new GenerationScores(medians, (double) wins / games);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
