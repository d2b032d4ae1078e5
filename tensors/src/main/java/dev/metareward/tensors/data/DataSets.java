package dev.metareward.tensors.data;

import dev.metareward.config.ConfigError;
import dev.metareward.config.DataSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import dev.metareward.tensors.data.builtin.WordNetTextGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The trainer's entry point to its data: generate the built-in set if asked to, load, check the domains. */
public final class DataSets {

    private DataSets() {
    }

    /**
     * Loads the data set of {@code data.dir}. When it has no {@code sft.jsonl} and {@code data.generate-if-missing}
     * is true, the built-in set {@code data.builtin.set} ({@code data.builtin}, sized to the model's context) is
     * generated there first.
     * Lines naming a domain that is neither a training nor a held-out domain are bad lines
     * ({@code data.on-bad-line}).
     *
     * @throws ConfigError         if the folder lacks its files and may not be generated, or a configured domain
     *                             is absent from the data
     * @throws DataFormatException on a bad line under {@code data.on-bad-line = "fail"}
     */
    public static MultiDomainData loadOrGenerate(MetarewardConfig config) {
        DataSettings data = config.data();
        Path dir = data.dir();
        if (!Files.exists(dir.resolve(MultiDomainData.SFT_FILE))) {
            if (!data.generateIfMissing()) {
                throw new ConfigError(List.of("'metareward.data.dir' = " + dir.toAbsolutePath() + " has no "
                        + MultiDomainData.SFT_FILE + " and 'metareward.data.generate-if-missing' is false; expected "
                        + "a folder with sft.jsonl and pref.jsonl (docs/DATA.md), or set generate-if-missing = true "
                        + "to generate the built-in data set there"));
            }
            if (data.builtin().set() == BuiltinDataSettings.Kind.WORDNET) {
                WordNetTextGenerator.forModel(data.builtin(), config.model()).writeTo(dir);
            } else {
                SentimentDataGenerator.forModel(data.builtin(), config.model()).writeTo(dir);
            }
        }
        if (!Files.isRegularFile(dir.resolve(MultiDomainData.PREF_FILE))) {
            throw new ConfigError(List.of("'metareward.data.dir' = " + dir.toAbsolutePath() + " has "
                    + MultiDomainData.SFT_FILE + " but no " + MultiDomainData.PREF_FILE
                    + "; expected both files (docs/DATA.md)"));
        }
        MultiDomainData loaded = MultiDomainData.load(dir, data.allDomains(), data.onBadLine(), data.evalFraction());
        config.requireDomainsPresent(loaded.domains(), dir.toString());
        return loaded;
    }
}
