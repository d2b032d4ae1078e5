package dev.metareward.cluster.cli;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.builtin.GeneratedData;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metareward gen-data}: writes the built-in controlled-sentiment data set as JSONL files. */
@Command(name = "gen-data", mixinStandardHelpOptions = true, defaultValueProvider = BuiltinDataDefaults.class,
        description = {
            "Generate the built-in controlled-sentiment data set (sft.jsonl and pref.jsonl) into a folder.",
            "Prompts and responses fit the byte-tokenizer budget of the reference model (model.prompt-tokens - 1 "
                    + "and model.context - model.prompt-tokens - 1 bytes), so nothing is truncated; defaults come "
                    + "from data.builtin in reference.conf."})
final class GenDataCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (created if needed).")
    Path out;

    @Option(names = "--domains", paramLabel = "N", description = "Number of domains: books, dvd, electronics, "
            + "kitchen, then domain5, domain6, ... (default: ${DEFAULT-VALUE}).")
    int domains;

    @Option(names = "--per-domain", paramLabel = "M", description = "Preference pairs per domain; SFT samples per "
            + "domain are 2 x M unless --sft-per-domain is given (default: ${DEFAULT-VALUE}).")
    int perDomain;

    @Option(names = "--sft-per-domain", paramLabel = "K", description = "SFT samples per domain (default: 2 x M).")
    Integer sftPerDomain;

    @Option(names = "--seed", paramLabel = "S", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--force", description = "Overwrite sft.jsonl and pref.jsonl if the folder already has them.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        requireAtLeastOne("--domains", domains);
        requireAtLeastOne("--per-domain", perDomain);
        int sft = sftPerDomain == null ? 2 * perDomain : sftPerDomain;
        requireAtLeastOne("--sft-per-domain", sft);
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserInputException("--out " + out + " is a file; expected a folder (new or existing)");
        }
        for (String file : List.of(MultiDomainData.SFT_FILE, MultiDomainData.PREF_FILE)) {
            if (!force && Files.exists(out.resolve(file))) {
                throw new UserInputException("--out " + out + " already has " + file
                        + "; pass --force to overwrite it or choose another folder");
            }
        }
        MetarewardConfig defaults = MetarewardConfig.defaults();
        List<String> names = SentimentDataGenerator.domainNames(defaults.data().builtin().domains(), domains);
        BuiltinDataSettings settings = new BuiltinDataSettings(names, sft, perDomain, seed);
        GeneratedData data;
        try {
            data = SentimentDataGenerator.forModel(settings, defaults.model()).writeTo(out);
        } catch (UncheckedIOException e) {
            throw new UserInputException(e.getMessage(), e);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("wrote %d SFT samples and %d preference pairs of domains %s (seed %d) to %s%n",
                data.sft().size(), data.pref().size(), names, seed, out.resolve(MultiDomainData.SFT_FILE).getParent());
        stdout.flush();
        return 0;
    }

    private static void requireAtLeastOne(String option, int value) {
        if (value < 1) {
            throw new UserInputException(option + " must be at least 1 but was " + value);
        }
    }
}
