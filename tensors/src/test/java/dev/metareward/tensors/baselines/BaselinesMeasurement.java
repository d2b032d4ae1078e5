package dev.metareward.tensors.baselines;

import com.typesafe.config.ConfigFactory;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DataSets;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.data.Tokenizer;
import dev.metareward.tensors.data.Tokenizers;
import dev.metareward.tensors.eval.PlAccuracy;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.pipeline.BaseWarmStart;
import dev.metareward.tensors.pipeline.PhaseListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A manual measurement, not part of the suite (its name does not match the test pattern): every baseline row with
 * the default settings on the built-in data, kitchen held out, printed as PL accuracy on the held-out domain's
 * evaluation and all pairs and the held-out LM loss (nats per scored token on its evaluation SFT samples).
 * Run: {@code mvn -pl tensors -am test -Dtest=BaselinesMeasurement -Dsurefire.failIfNoSpecifiedTests=false
 * -Dbaselines.out=DIR -Dbaselines.seeds=1,2 [-Dbaselines.set="baselines.dpo.learning-rate=3e-3;..."]}.
 */
class BaselinesMeasurement {

    @Test
    void measure() {
        String out = System.getProperty("baselines.out", "/tmp/bl-probe");
        StringBuilder hocon = new StringBuilder("metareward { run.output-dir = \"" + out + "\", data.dir = \"" + out
                + "/data\" }\n");
        for (String s : System.getProperty("baselines.set", "").split(";")) {
            if (!s.isBlank()) {
                hocon.append("metareward.").append(s.trim()).append('\n');
            }
        }
        MetarewardConfig config = MetarewardConfig.fromConfig(ConfigFactory.parseString(hocon.toString()));
        MultiDomainData data = DataSets.loadOrGenerate(config);
        Tokenizer tokenizer = Tokenizers.fromSetting(config.model().tokenizer());
        Batcher batcher = Batcher.forModel(tokenizer, config.model());
        TransformerModel model = TransformerModel.create(config.model(), config.device(), tokenizer.vocabSize(),
                SplitMix64.derive(config.run().seed(), "base-init"));
        BaseWarmStart.prepare(config, data, batcher, model, PhaseListener.NONE);
        PolicyModel policy = model.policy();
        List<DomainData> training = config.data().trainingDomains().stream().map(data::domain).toList();
        DomainData heldOut = data.domain(config.data().heldOutDomains().get(0));
        Baselines baselines = Baselines.of(config, policy, model.reward(), batcher);
        List<String> lines = new ArrayList<>();
        for (String seedText : System.getProperty("baselines.seeds", "1").split(",")) {
            long seed = Long.parseLong(seedText.trim());
            List<BaselineResult> rows = new ArrayList<>();
            rows.add(baselines.rwr().sft());
            rows.add(baselines.rwr().sftContinued(heldOut, SplitMix64.derive(config.run().seed(), "meta-test", heldOut.domain())));
            BaselineResult rm = baselines.rewardModel().train(training, seed, PhaseListener.NONE);
            double rmTrainAcc = BradleyTerryLoss.pairAccuracy(model.reward(), rm.parameters(),
                    batcher.preferenceBatch(evalPairs(training)));
            double rmHeldAcc = BradleyTerryLoss.pairAccuracy(model.reward(), rm.parameters(),
                    batcher.preferenceBatch(heldOut.prefAll()));
            lines.add(String.format("seed %d  RM-MT reward model: loss %.3f -> %.3f, pair accuracy train-domain eval %.3f,"
                    + " held-out all %.3f, kept step %d", seed, rm.meanLoss(false, 5), rm.meanLoss(true, 5), rmTrainAcc,
                    rmHeldAcc, rm.selectedStep()));
            rows.add(baselines.rwr().rmMtRwr(model.reward(), rm.parameters(), training, List.of(), seed));
            rows.add(baselines.rwr().rmMtRwr(model.reward(), rm.parameters(), training, List.of(heldOut), seed));
            rows.add(baselines.dpo().train(training, seed, PhaseListener.NONE));
            rows.add(baselines.hpl().train(training, List.of(), seed, PhaseListener.NONE));
            rows.add(baselines.hpl().train(training, List.of(heldOut), seed, PhaseListener.NONE));
            for (BaselineResult row : rows) {
                lines.add(String.format("seed %d  %-36s PL acc eval %.3f  all %s  LM %.3f  loss %.3f -> %.3f  kept step %d", seed,
                        row.label(), accuracy(policy, batcher, row.parameters(), heldOut.prefEval()),
                        row.heldOutPreferences() ? "  -  " : String.format("%.3f",
                                accuracy(policy, batcher, row.parameters(), heldOut.prefAll())),
                        lmLoss(policy, batcher, row.parameters(), heldOut), row.meanLoss(false, 5), row.meanLoss(true, 5),
                        row.selectedStep()));
            }
            lines.forEach(System.out::println);
            lines.clear();
        }
    }

    private static List<PreferencePair> evalPairs(List<DomainData> domains) {
        List<PreferencePair> out = new ArrayList<>();
        domains.forEach(d -> out.addAll(d.prefEval()));
        return out;
    }

    private static double accuracy(PolicyModel policy, Batcher batcher, INDArray theta, List<PreferencePair> pairs) {
        PlAccuracy.Counts counts = PlAccuracy.Counts.NONE;
        for (int from = 0; from < pairs.size(); from += 32) {
            counts = counts.plus(PlAccuracy.evaluate(policy, theta,
                    batcher.preferenceBatch(pairs.subList(from, Math.min(pairs.size(), from + 32)))));
        }
        return counts.accuracy();
    }

    private static double lmLoss(PolicyModel policy, Batcher batcher, INDArray theta, DomainData domain) {
        double nll = 0;
        long tokens = 0;
        var samples = domain.sftEval();
        for (int from = 0; from < samples.size(); from += 32) {
            TokenBatch batch = batcher.sftBatch(samples.subList(from, Math.min(samples.size(), from + 32)));
            double[] f = policy.sequenceLogProbs(theta, batch).toDoubleVector();
            for (int b = 0; b < f.length; b++) {
                nll -= f[b];
                tokens += batch.scoredCount(b);
            }
        }
        return nll / tokens;
    }
}
