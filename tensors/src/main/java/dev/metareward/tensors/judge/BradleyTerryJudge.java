package dev.metareward.tensors.judge;

import dev.metareward.config.JudgeSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.OuterOptimizer;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferenceBatch;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.RewardModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An oracle judge for data without a known reward: per held-out domain, a reward model (the run's reward-model
 * shape over the warm-started base) trained with the Bradley-Terry loss -log sigmoid(r(chosen) - r(rejected)) on
 * that domain's own preference pairs (its train split; its eval split, when it has one, measures the judge). It
 * sees labels the compared policies never saw, so it is reported as an oracle, not as a method. Trained lazily on
 * the first call for a domain, with Adam and gradient clipping at norm 1.
 *
 * <p>The loss and its gradient are kept here, small and private to the judge; a general Bradley-Terry baseline
 * lives elsewhere and may absorb it.
 */
public final class BradleyTerryJudge implements Judge {

    private static final Logger LOG = LoggerFactory.getLogger(BradleyTerryJudge.class);
    private static final int SCORE_BATCH = 32;
    private static final double CLIP_NORM = 1.0;

    private final Supplier<RewardModel> rewardFactory;
    private RewardModel reward;
    private final Batcher batcher;
    private final MultiDomainData data;
    private final JudgeSettings.BradleyTerry settings;
    private final long seed;
    private final Map<String, INDArray> phiByDomain = new LinkedHashMap<>();
    private final Map<String, String> summaries = new LinkedHashMap<>();

    /** @param reward makes, on first use, a reward model this judge uses alone (models are not thread-safe) */
    public BradleyTerryJudge(Supplier<RewardModel> reward, Batcher batcher, MultiDomainData data,
                             JudgeSettings.BradleyTerry settings, long seed) {
        this.rewardFactory = reward;
        this.batcher = batcher;
        this.data = data;
        this.settings = settings;
        this.seed = seed;
    }

    @Override
    public double[] score(String domain, List<Generation> generations) {
        INDArray phi = phiByDomain.computeIfAbsent(domain, this::train);
        double[] scores = new double[generations.size()];
        for (int from = 0; from < scores.length; from += SCORE_BATCH) {
            List<Generation> chunk = generations.subList(from, Math.min(scores.length, from + SCORE_BATCH));
            TokenBatch batch = batcher.sequences(chunk.stream().map(Generation::prompt).toList(),
                    chunk.stream().map(Generation::continuation).toList());
            double[] r = reward.rewards(phi, batch).toDoubleVector();
            System.arraycopy(r, 0, scores, from, r.length);
        }
        return scores;
    }

    @Override
    public String describe() {
        String trained = summaries.isEmpty() ? "" : "; " + String.join("; ", summaries.values());
        return "oracle Bradley-Terry reward model trained on each held-out domain's own pairs (" + settings.steps()
                + " Adam steps of " + settings.batch() + " pairs, learning rate " + settings.learningRate() + ")"
                + trained;
    }

    private INDArray train(String domain) {
        if (!data.domains().contains(domain)) {
            throw new JudgeException("the Bradley-Terry judge has no data for domain '" + domain + "'");
        }
        DomainData d = data.domain(domain);
        List<PreferencePair> train = d.prefTrain().isEmpty() ? d.prefAll() : d.prefTrain();
        if (train.isEmpty()) {
            throw new JudgeException("the Bradley-Terry judge cannot be trained on domain '" + domain + "': it has "
                    + "no preference pairs; choose judge.kind = \"command\" or add pairs of this domain");
        }
        if (reward == null) {
            reward = rewardFactory.get();
        }
        long started = System.nanoTime();
        SplitMix64 random = new SplitMix64(SplitMix64.derive(seed, "bradley-terry-judge", domain));
        INDArray phi = reward.initialParameters(random.nextLong());
        OuterOptimizer optimizer = OuterOptimizer.create(new OuterSettings(settings.steps(), settings.batch(),
                OuterSettings.Optimizer.ADAM, settings.learningRate(), CLIP_NORM), reward.parameterCount());
        double firstLoss = Double.NaN;
        double loss = Double.NaN;
        for (int step = 0; step < settings.steps(); step++) {
            List<PreferencePair> batch = new ArrayList<>(settings.batch());
            for (int i = 0; i < settings.batch(); i++) {
                batch.add(random.pick(train));
            }
            LossAndGradient lg = lossAndGradient(reward, phi, batcher.preferenceBatch(batch));
            loss = lg.loss();
            firstLoss = step == 0 ? loss : firstLoss;
            optimizer.step(phi, lg.gradient(), 1.0);
        }
        List<PreferencePair> check = d.prefTrain().isEmpty() ? List.of() : d.prefEval();
        String summary = String.format(Locale.ROOT, "%s: %d training pairs, loss %.3f -> %.3f, accuracy %.3f on "
                        + "them%s", domain, train.size(), firstLoss, loss, accuracy(phi, train),
                check.isEmpty() ? "" : String.format(Locale.ROOT, " and %.3f on %d eval pairs",
                        accuracy(phi, check), check.size()));
        summaries.put(domain, summary);
        LOG.info("oracle Bradley-Terry judge trained in {} s: {}", String.format(Locale.ROOT, "%.1f",
                (System.nanoTime() - started) / 1e9), summary);
        return phi;
    }

    private double accuracy(INDArray phi, List<PreferencePair> pairs) {
        double right = 0;
        for (int from = 0; from < pairs.size(); from += SCORE_BATCH) {
            PreferenceBatch b = batcher.preferenceBatch(pairs.subList(from, Math.min(pairs.size(), from + SCORE_BATCH)));
            double[] c = reward.rewards(phi, b.chosen()).toDoubleVector();
            double[] r = reward.rewards(phi, b.rejected()).toDoubleVector();
            for (int i = 0; i < c.length; i++) {
                right += c[i] > r[i] ? 1 : c[i] == r[i] ? 0.5 : 0;
            }
        }
        return right / pairs.size();
    }

    /** The mean Bradley-Terry loss over a batch and its gradient with respect to phi. */
    record LossAndGradient(double loss, INDArray gradient) {
    }

    /**
     * L = (1/B) sum_j -log sigmoid(d_j), d_j = r(x_j, chosen_j) - r(x_j, rejected_j); dL/dd_j = -sigmoid(-d_j)/B, so
     * the gradient is that of sum_j w_j r_j over the rows (chosen then rejected) with w = -s/B for chosen and +s/B for
     * rejected, s_j = sigmoid(-d_j).
     */
    static LossAndGradient lossAndGradient(RewardModel reward, INDArray phi, PreferenceBatch batch) {
        int b = batch.size();
        TokenBatch rows = batch.chosen().concat(batch.rejected());
        double[] r = reward.rewards(phi, rows).toDoubleVector();
        double[] weights = new double[2 * b];
        double loss = 0;
        for (int j = 0; j < b; j++) {
            double d = r[j] - r[b + j];
            loss += softplus(-d);
            double s = 1 / (1 + Math.exp(d));
            weights[j] = -s / b;
            weights[b + j] = s / b;
        }
        return new LossAndGradient(loss / b, reward.rewardsAndGradient(phi, rows, weights).gradient());
    }

    /** log(1 + e^x) without overflow. */
    private static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }
}
