package dev.metareward.tensors.pipeline;

import dev.metareward.config.MetaTestSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.bilevel.DomainBatches;
import dev.metareward.tensors.bilevel.InnerReward;
import dev.metareward.tensors.bilevel.MetaTester;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.eval.PlAccuracy;
import dev.metareward.tensors.judge.Judge;
import dev.metareward.tensors.judge.JudgeException;
import dev.metareward.tensors.eval.Sampler;
import dev.metareward.tensors.eval.Statistics;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import dev.metareward.tensors.report.DomainResult;
import java.util.ArrayList;
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
 * and the win rate of generations against the data set's chosen answers. When the judge fails (an external command
 * crashes, hangs or writes garbage) the result keeps every PL accuracy and carries the judge's error instead of the
 * missing judge figures; the judge is then not called again by this evaluation.
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
    private final Judge judge;
    /** The judge's first failure; it is not called again (a hanging judge would cost a timeout per policy). */
    private String judgeFailure;

    public HeldOutEvaluation(MetarewardConfig config, PolicyModel policy, RewardModel reward, Batcher batcher,
                             Judge judge) {
        this(config, policy, reward, batcher, judge, Optional.empty());
    }

    /** {@code ceilingReward}: the reward of the ceiling row's fine-tuning, or empty for no ceiling row. */
    public HeldOutEvaluation(MetarewardConfig config, PolicyModel policy, RewardModel reward, Batcher batcher,
                             Judge judge, Optional<InnerReward> ceilingReward) {
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
        String judgeError = null;
        for (Map.Entry<String, INDArray> e : policies.entrySet()) {
            accuracy.put(e.getKey(), plAccuracy(e.getValue(), domain.prefAll()));
            try {
                GenerationScores scores = generationScores(e.getValue(), domain);
                rewards.put(e.getKey(), scores.medianByTemperature());
                winRates.put(e.getKey(), scores.winRate());
            } catch (JudgeException failure) {
                judgeError = judgeError != null ? judgeError : failure.getMessage();
            }
        }
        return new DomainResult(domain.domain(), accuracy, rewards, winRates, judgeError);
    }

    private INDArray fineTune(DomainData domain, INDArray phi) {
        return fineTune(domain, phi, config.metaTest().steps());
    }

    /** Algorithm 2 on {@code domain}'s SFT data with {@code steps} steps; the same batches for every phi. */
    public INDArray fineTune(DomainData domain, INDArray phi, int steps) {
        return fineTune(tester, domain, phi, steps);
    }

    private INDArray fineTune(MetaTester with, DomainData domain, INDArray phi, int steps) {
        return fineTune(with, domain, phi, steps, Math.max(1, steps), (step, theta) -> { });
    }

    /**
     * Algorithm 2 as {@link #fineTune(DomainData, INDArray, int)} (the same batches), handing theta to
     * {@code atStep} at step 0 and after every {@code every} steps and the last. The inner step keeps no state
     * between steps, so running it in pieces on one sampler gives the same final theta as one run.
     */
    public INDArray fineTune(DomainData domain, INDArray phi, int steps, int every, ThetaObserver atStep) {
        return fineTune(tester, domain, phi, steps, every, atStep);
    }

    /**
     * The ceiling row's fine-tuning, in pieces as {@link #fineTune(DomainData, INDArray, int, int, ThetaObserver)}
     * (the same batches), with the ceiling reward in place of r_phi; empty when this evaluation has no ceiling reward.
     */
    public Optional<INDArray> fineTuneWithCeiling(DomainData domain, int steps, int every, ThetaObserver atStep) {
        return ceilingTester.map(with -> fineTune(with, domain, null, steps, every, atStep));
    }

    private INDArray fineTune(MetaTester with, DomainData domain, INDArray phi, int steps, int every,
                              ThetaObserver atStep) {
        DomainSampler sampler = DomainSampler.overTrainSplit(domain, batcher,
                SplitMix64.derive(config.run().seed(), "meta-test", domain.domain()));
        OwnSamples own = config.metaTest().fineTuningData() == MetaTestSettings.FineTuningData.OWN_SAMPLES
                ? new OwnSamples(domain) : null;
        INDArray theta = policy.initialParameters();
        atStep.observe(0, theta);
        for (int done = 0; done < steps; ) {
            int chunk = Math.min(every, steps - done);
            if (own == null) {
                theta = with.fineTune(phi, theta, sampler, chunk).finalTheta();
            } else {
                // One step per sample draw: each step fine-tunes on continuations of the policy it starts from.
                for (int s = 0; s < chunk; s++) {
                    theta = with.fineTune(phi, theta, own.next(theta, done + s), 1).finalTheta();
                }
            }
            done += chunk;
            atStep.observe(done, theta);
        }
        return theta;
    }

    /**
     * The meta-test's batches with {@code meta-test.fine-tuning-data = "own-samples"}: the prompts of the domain's
     * SFT training samples in a seeded order, each step's continuations sampled at temperature 1 from the policy
     * being fine-tuned.
     */
    private final class OwnSamples {
        private final String domain;
        private final List<String> prompts;
        private final Sampler sampler;

        OwnSamples(DomainData data) {
            this.domain = data.domain();
            List<String> shuffled = new ArrayList<>(data.sftTrain().stream().map(SftSample::prompt).toList());
            java.util.Collections.shuffle(shuffled, new java.util.Random(
                    SplitMix64.derive(config.run().seed(), "meta-test-prompts", domain)));
            if (shuffled.isEmpty()) {
                throw new IllegalArgumentException("meta-test.fine-tuning-data = \"own-samples\" needs SFT prompts, but "
                        + "domain '" + domain + "' has no SFT training samples");
            }
            this.prompts = shuffled;
            this.sampler = sampler();
        }

        /** A batch of meta-test.batch prompts (cycling through the domain's) with continuations of {@code theta}. */
        DomainBatches next(INDArray theta, int step) {
            int size = config.metaTest().batch();
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add(prompts.get((step * size + i) % prompts.size()));
            }
            TokenBatch promptBatch = batcher.promptBatch(batch);
            Sampler.Generations generations = sampler.sample(theta, promptBatch, 1.0, batcher.context(),
                    SplitMix64.derive(config.run().seed(), "meta-test-samples", domain, Integer.toString(step)));
            return new OneSftBatch(domain, sampler.asScoredBatch(promptBatch, generations, batcher.context()));
        }
    }

    /** A sampler of the policy's continuations that never draws BOS or PAD. */
    private Sampler sampler() {
        Tokenizer tokenizer = batcher.tokenizer();
        return new Sampler(policy, tokenizer.eos(), tokenizer.pad(), Set.of(tokenizer.bos(), tokenizer.pad()));
    }

    /** Receives the policy at a step of a fine-tuning run. */
    @FunctionalInterface
    public interface ThetaObserver {
        void observe(int step, INDArray theta);
    }

    /** Mean negative log-likelihood per scored token (response and EOS) of {@code samples} under {@code theta}. */
    public double lmLoss(INDArray theta, List<SftSample> samples) {
        double nll = 0;
        long tokens = 0;
        for (int from = 0; from < samples.size(); from += EVAL_BATCH) {
            TokenBatch batch = batcher.sftBatch(samples.subList(from, Math.min(samples.size(), from + EVAL_BATCH)));
            double[] logProbs = policy.sequenceLogProbs(theta, batch).toDoubleVector();
            for (int b = 0; b < logProbs.length; b++) {
                nll -= logProbs[b];
                tokens += batch.scoredCount(b);
            }
        }
        return tokens == 0 ? Double.NaN : nll / tokens;
    }

    /**
     * The model-selection metric of the paper: after a budgeted meta-test of {@code steps} steps on each training
     * domain, PL accuracy on the training domains' evaluation pairs, pooled over pairs. Domains without evaluation
     * pairs are left out; NaN when none has any. Held-out data never enters it.
     */
    public double trainingDomainAccuracy(MultiDomainData data, List<String> trainingDomains, INDArray phi, int steps) {
        double correct = 0;
        long total = 0;
        for (String domain : trainingDomains) {
            DomainData d = data.domain(domain);
            if (d.prefEval().isEmpty()) {
                // Its accuracy is NaN, and NaN * 0 would turn the whole selection metric into NaN.
                continue;
            }
            double accuracy = plAccuracy(fineTune(d, phi, steps), d.prefEval());
            correct += accuracy * d.prefEval().size();
            total += d.prefEval().size();
        }
        return total == 0 ? Double.NaN : correct / total;
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

    /**
     * The judge's scores of sampled continuations of the domain's first meta-test.generation-prompts prompts.
     *
     * @param scoresByTemperature one score per prompt, per sampling temperature
     * @param winRate fraction of generations (over all temperatures) the judge scores above the pair's chosen answer
     */
    public record GenerationScores(Map<Double, double[]> scoresByTemperature, double winRate) {
        public GenerationScores {
            scoresByTemperature = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scoresByTemperature));
        }

        public Map<Double, Double> medianByTemperature() {
            Map<Double, Double> medians = new LinkedHashMap<>();
            scoresByTemperature.forEach((t, scores) -> medians.put(t, Statistics.median(scores)));
            return medians;
        }
    }

    /** Samples continuations of {@code theta} at every meta-test temperature and scores them with the judge. */
    public GenerationScores generationScores(INDArray theta, DomainData domain) {
        int n = Math.min(config.metaTest().generationPrompts(), domain.prefAll().size());
        Map<Double, double[]> byTemperature = new LinkedHashMap<>();
        if (n == 0) {
            return new GenerationScores(byTemperature, Double.NaN);
        }
        List<PreferencePair> pairs = domain.prefAll().subList(0, n);
        List<String> prompts = pairs.stream().map(PreferencePair::prompt).toList();
        TokenBatch promptBatch = batcher.promptBatch(prompts);
        Tokenizer tokenizer = batcher.tokenizer();
        Sampler sampler = sampler();
        int maxLength = batcher.context();
        // One judge call per policy: every temperature's generations, then the data set's chosen answers.
        List<Judge.Generation> items = new ArrayList<>();
        List<Double> temperatures = config.metaTest().temperatures();
        for (double temperature : temperatures) {
            Sampler.Generations generations = sampler.sample(theta, promptBatch, temperature, maxLength,
                    SplitMix64.derive(config.run().seed(), "generation", domain.domain(), Double.toString(temperature)));
            for (int i = 0; i < n; i++) {
                items.add(new Judge.Generation(prompts.get(i), tokenizer.decode(generations.continuations()[i])));
            }
        }
        for (PreferencePair p : pairs) {
            items.add(new Judge.Generation(p.prompt(), p.chosen()));
        }
        double[] all = judge(domain.domain(), items);
        int chosenFrom = temperatures.size() * n;
        long wins = 0;
        for (int t = 0; t < temperatures.size(); t++) {
            double[] scores = Arrays.copyOfRange(all, t * n, (t + 1) * n);
            for (int i = 0; i < n; i++) {
                wins += scores[i] > all[chosenFrom + i] ? 1 : 0;
            }
            byTemperature.put(temperatures.get(t), scores);
        }
        return new GenerationScores(byTemperature, temperatures.isEmpty() ? Double.NaN : (double) wins / chosenFrom);
    }

    private double[] judge(String domain, List<Judge.Generation> items) {
        if (judgeFailure != null) {
            throw new JudgeException("not called again after its earlier failure: " + judgeFailure);
        }
        try {
            double[] scores = judge.score(domain, items);
            if (scores.length != items.size()) {
                throw new JudgeException(judge.describe() + " returned " + scores.length + " scores for "
                        + items.size() + " generations");
            }
            return scores;
        } catch (JudgeException e) {
            judgeFailure = e.getMessage();
            throw e;
        }
    }

    /** What the judge is, for the report. */
    public String judgeDescription() {
        return judge.describe();
    }
}
