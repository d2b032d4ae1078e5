package dev.metareward.tensors.data;

import dev.metareward.config.DataSettings.BadLinePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded multi-domain data set: per domain, SFT samples and preference pairs, each split into train and eval.
 * An {@code *.eval.jsonl} file, when present, is the evaluation split of its kind and the main file is all
 * training data; otherwise the main file is split by {@link PromptSplit}.
 */
public final class MultiDomainData {

    public static final String SFT_FILE = "sft.jsonl";
    public static final String PREF_FILE = "pref.jsonl";
    public static final String SFT_EVAL_FILE = "sft.eval.jsonl";
    public static final String PREF_EVAL_FILE = "pref.eval.jsonl";

    private static final Logger LOG = LoggerFactory.getLogger(MultiDomainData.class);

    /** How the evaluation split of one kind of record was made. */
    public enum SplitSource { EVAL_FILE, PROMPT_HASH }

    private final String location;
    private final Map<String, DomainData> domains;
    private final SplitSource sftSplit;
    private final SplitSource prefSplit;
    private final double evalFraction;
    private final LoadReport report;

    private MultiDomainData(String location, Map<String, DomainData> domains, SplitSource sftSplit,
                            SplitSource prefSplit, double evalFraction, LoadReport report) {
        this.location = location;
        this.domains = Collections.unmodifiableMap(domains);
        this.sftSplit = sftSplit;
        this.prefSplit = prefSplit;
        this.evalFraction = evalFraction;
        this.report = report;
    }

    /**
     * Reads {@code sft.jsonl} and {@code pref.jsonl} (and the optional eval files) from {@code dir} and logs the
     * load report.
     *
     * @param knownDomains the domains a line may name; empty accepts any domain
     * @throws IllegalArgumentException if {@code sft.jsonl} or {@code pref.jsonl} is missing
     * @throws DataFormatException      on the first bad line under {@link BadLinePolicy#FAIL}
     */
    public static MultiDomainData load(Path dir, Collection<String> knownDomains, BadLinePolicy policy,
                                       double evalFraction) {
        for (String required : List.of(SFT_FILE, PREF_FILE)) {
            if (!Files.isRegularFile(dir.resolve(required))) {
                throw new IllegalArgumentException("data folder " + dir + " has no " + required
                        + "; expected sft.jsonl and pref.jsonl (and optionally sft.eval.jsonl, pref.eval.jsonl)");
            }
        }
        JsonlReader reader = new JsonlReader(knownDomains, policy);
        LoadReport report = new LoadReport();
        List<SftSample> sft = reader.readSft(dir.resolve(SFT_FILE), report);
        List<PreferencePair> pref = reader.readPreferences(dir.resolve(PREF_FILE), report);
        Path sftEvalFile = dir.resolve(SFT_EVAL_FILE);
        Path prefEvalFile = dir.resolve(PREF_EVAL_FILE);
        List<SftSample> sftEval = Files.isRegularFile(sftEvalFile) ? reader.readSft(sftEvalFile, report) : null;
        List<PreferencePair> prefEval =
                Files.isRegularFile(prefEvalFile) ? reader.readPreferences(prefEvalFile, report) : null;
        report.log(LOG);
        return build(dir.toString(), sft, sftEval, pref, prefEval, evalFraction, report);
    }

    /** An in-memory data set split by prompt hash (tests, generated data). */
    public static MultiDomainData of(List<SftSample> sft, List<PreferencePair> pref, double evalFraction) {
        return build("(in memory)", sft, null, pref, null, evalFraction, new LoadReport());
    }

    private static MultiDomainData build(String location, List<SftSample> sft, List<SftSample> sftEvalFile,
                                         List<PreferencePair> pref, List<PreferencePair> prefEvalFile,
                                         double evalFraction, LoadReport report) {
        if (!(evalFraction >= 0 && evalFraction < 1)) {
            throw new IllegalArgumentException("eval fraction must be in [0, 1) but was " + evalFraction);
        }
        Split<SftSample> s = split(sft, sftEvalFile, SftSample::prompt, SftSample::domain, evalFraction);
        Split<PreferencePair> p = split(pref, prefEvalFile, PreferencePair::prompt, PreferencePair::domain,
                evalFraction);
        SortedSet<String> names = new TreeSet<>();
        names.addAll(s.train.keySet());
        names.addAll(s.eval.keySet());
        names.addAll(p.train.keySet());
        names.addAll(p.eval.keySet());
        Map<String, DomainData> domains = new LinkedHashMap<>();
        for (String d : names) {
            domains.put(d, new DomainData(d, s.train.getOrDefault(d, List.of()), s.eval.getOrDefault(d, List.of()),
                    p.train.getOrDefault(d, List.of()), p.eval.getOrDefault(d, List.of())));
        }
        return new MultiDomainData(location, domains,
                sftEvalFile == null ? SplitSource.PROMPT_HASH : SplitSource.EVAL_FILE,
                prefEvalFile == null ? SplitSource.PROMPT_HASH : SplitSource.EVAL_FILE, evalFraction, report);
    }

    private record Split<T>(Map<String, List<T>> train, Map<String, List<T>> eval) {
    }

    private static <T> Split<T> split(List<T> main, List<T> evalFile, Function<T, String> prompt,
                                      Function<T, String> domain, double evalFraction) {
        Map<String, List<T>> train = new TreeMap<>();
        Map<String, List<T>> eval = new TreeMap<>();
        for (T item : main) {
            boolean toEval = evalFile == null && PromptSplit.isEval(prompt.apply(item), evalFraction);
            (toEval ? eval : train).computeIfAbsent(domain.apply(item), d -> new ArrayList<>()).add(item);
        }
        if (evalFile != null) {
            for (T item : evalFile) {
                eval.computeIfAbsent(domain.apply(item), d -> new ArrayList<>()).add(item);
            }
        }
        return new Split<>(train, eval);
    }

    /** Where the data came from (a folder, or "(in memory)"). */
    public String location() {
        return location;
    }

    /** Names of the domains that occur in any file, sorted. */
    public SortedSet<String> domains() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(domains.keySet()));
    }

    /**
     * The data of one domain.
     *
     * @throws IllegalArgumentException if the domain does not occur in the data
     */
    public DomainData domain(String name) {
        DomainData d = domains.get(name);
        if (d == null) {
            throw new IllegalArgumentException("domain '" + name + "' does not occur in the data at " + location
                    + "; domains present: " + domains.keySet());
        }
        return d;
    }

    public SplitSource sftSplit() {
        return sftSplit;
    }

    public SplitSource prefSplit() {
        return prefSplit;
    }

    /** The fraction used for prompt-hash splits. */
    public double evalFraction() {
        return evalFraction;
    }

    public LoadReport loadReport() {
        return report;
    }
}
