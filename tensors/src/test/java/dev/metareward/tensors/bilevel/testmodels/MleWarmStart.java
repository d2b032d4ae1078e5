package dev.metareward.tensors.bilevel.testmodels;

import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.model.transformer.BaseTrainer;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLE of a test transformer's base on the SFT training splits of some domains (batches of 16, learning rate 3e-3),
 * so that its policy is a language model of the data and not uniform noise, as after the pipeline's warm start.
 */
public final class MleWarmStart {

    private static final Logger LOG = LoggerFactory.getLogger(MleWarmStart.class);

    private MleWarmStart() {
    }

    public static void train(TransformerModel model, List<DomainData> domains, Batcher batcher, int steps) {
        List<SftSample> all = new ArrayList<>();
        for (DomainData domain : domains) {
            all.addAll(domain.sftTrain());
        }
        DomainSampler sampler = new DomainSampler("all", all, List.of(), batcher, 1);
        BaseTrainer trainer = model.baseTrainer(3e-3);
        double first = trainer.step(sampler.nextSftBatch(16));
        double last = first;
        for (int s = 1; s < steps; s++) {
            last = trainer.step(sampler.nextSftBatch(16));
        }
        LOG.info("base warm start: token loss {} -> {}", first, last);
    }
}
