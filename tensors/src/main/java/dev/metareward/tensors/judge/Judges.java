package dev.metareward.tensors.judge;

import dev.metareward.config.ConfigError;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.SplitMix64;
import dev.metareward.tensors.data.builtin.AfinnLexicon;
import dev.metareward.tensors.data.builtin.BuiltinManifest;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import dev.metareward.tensors.model.RewardModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Builds the judge that {@code judge.kind} asks for. */
public final class Judges {

    private Judges() {
    }

    /**
     * The judge of a run over {@code data} (loaded from {@code data.dir}).
     *
     * @param reward makes a reward model of the run's shape for the Bradley-Terry judge alone (called only when that
     *               judge is chosen, and only once it is first used)
     * @throws ConfigError when kind = "ground-truth" but {@code data.dir} holds no built-in set
     */
    public static Judge create(MetarewardConfig config, MultiDomainData data, Supplier<RewardModel> reward,
                               Batcher batcher) {
        Path dir = config.data().dir();
        return switch (config.judge().kind()) {
            case COMMAND -> new CommandJudge(config.judge().command(), config.judge().timeout());
            case BRADLEY_TERRY -> bradleyTerry(config, data, reward, batcher);
            case GROUND_TRUTH -> groundTruth(config, data, dir).<Judge>map(j -> j).orElseThrow(() -> new ConfigError(List.of(
                    "'metareward.judge.kind' = \"ground-truth\": " + dir.toAbsolutePath() + " holds no built-in data "
                            + "set (no " + BuiltinManifest.FILE + "), so there is no known reward; choose \"command\" "
                            + "(a judge you trust) or \"bradley-terry\" (an oracle reward model)")));
            case AUTO -> groundTruth(config, data, dir).<Judge>map(j -> j).orElseGet(() -> bradleyTerry(config, data, reward, batcher));
        };
    }

    private static Judge bradleyTerry(MetarewardConfig config, MultiDomainData data, Supplier<RewardModel> reward,
                                      Batcher batcher) {
        return new BradleyTerryJudge(reward, batcher, data, config.judge().bradleyTerry(),
                SplitMix64.derive(config.run().seed(), "judge"));
    }

    /** The known reward of the built-in set in {@code dir}, if it holds one. */
    public static Optional<GroundTruthJudge> groundTruth(MetarewardConfig config, MultiDomainData data, Path dir) {
        return BuiltinManifest.read(dir).map(manifest -> {
            if (BuiltinManifest.WORDNET.equals(manifest.set())) {
                Path file = AfinnLexicon.location(config.data().builtin().lexicon());
                AfinnLexicon lexicon = AfinnLexicon.load(file);
                if (!lexicon.sha256().equals(manifest.lexiconSha256())) {
                    throw new ConfigError(List.of("the AFINN lexicon " + file + " (data.builtin.lexicon) differs from "
                            + "the one " + dir + " was generated with (SHA-256 " + manifest.lexiconSha256() + "); "
                            + "regenerate the data or point data.builtin.lexicon at that file"));
                }
                return new GroundTruthJudge(lexicon.scorer(), "ground truth of the WordNet text set (summed "
                        + "AFINN-165 valence over sqrt(words))");
            }
            return new GroundTruthJudge(GroundTruthScorer.forDomains(data.domains()), "ground truth of the "
                    + "synthetic sentiment set (summed lexicon valence over sqrt(words))");
        });
    }
}
