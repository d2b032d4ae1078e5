package dev.metareward.cluster.run;

import dev.metareward.cluster.local.LocalComponents;
import dev.metareward.config.ConfigError;
import dev.metareward.config.DeviceSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.model.transformer.TransformerModel;
import dev.metareward.tensors.device.DevicePlacement;
import dev.metareward.tensors.pipeline.WarmStartedModel;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every process of a run needs before meta-training: the data (generated when missing), the tokenizer and
 * batcher, and the warm-started base model (cached under {@code run.output-dir/base} by a fingerprint of settings,
 * seed and data, so the nodes of a cluster that share the output folder compute it once when started one after the
 * other, as launch-local does).
 *
 * @param config the run's settings
 * @param data every domain's data
 * @param batcher the model's batcher
 * @param model the warm-started model
 * @param components per-worker model copies, batches, judge and initial phi built from them
 */
public record PreparedRun(MetarewardConfig config, MultiDomainData data, Batcher batcher, TransformerModel model,
                          LocalComponents components) {

    private static final Logger LOG = LoggerFactory.getLogger(PreparedRun.class);

    /** device.backend must name the ND4J backend this build loaded, or nothing would run where the user thinks. */
    public static void requireLoadedBackend(MetarewardConfig config) {
        DeviceSettings.Backend loaded = DevicePlacement.loadedBackend();
        if (config.device().backend() != loaded) {
            throw new ConfigError(List.of("'metareward.device.backend' is \"" + name(config.device().backend())
                    + "\" but this build loaded ND4J's " + name(loaded) + " backend; "
                    + (loaded == DeviceSettings.Backend.CPU ? "build with `mvn -Pcuda package` (or use the CUDA image) "
                    + "for GPUs, or set device.backend = \"cpu\"" : "set device.backend = \"cuda\" or use the CPU "
                    + "build")));
        }
    }

    private static String name(DeviceSettings.Backend backend) {
        return backend.name().toLowerCase(Locale.ROOT);
    }

    /** Loads or generates the data and warm-starts (or loads) the base, showing the warm start's progress. */
    public static PreparedRun prepare(MetarewardConfig config) {
        requireLoadedBackend(config);
        WarmStartedModel prepared;
        try (Progress bar = new Progress("base warm start", config.base().steps())) {
            prepared = WarmStartedModel.prepare(config, (phase, done, total, message) -> bar.step(message));
        }
        MultiDomainData data = prepared.data();
        Batcher batcher = prepared.batcher();
        TransformerModel model = prepared.model();
        LOG.info("model engine: {}, {} thread(s) per call (device.backend {}, device.engine {}, device.cpu-threads {})",
                model.computeEngine(), model.cpuThreads(), config.device().backend(), config.device().engine(),
                config.device().cpuThreads());
        return new PreparedRun(config, data, batcher, model, new LocalComponents(config, data, batcher, model));
    }
}
