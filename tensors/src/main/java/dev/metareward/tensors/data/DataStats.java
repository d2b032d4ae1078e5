package dev.metareward.tensors.data;

import dev.metareward.tensors.data.builtin.GroundTruthScorer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;

/**
 * Figures that show whether a data set can teach what it should: sizes per domain and split, mean r* and mean
 * length of chosen vs rejected answers, how often "the longer answer is better" and "the higher r* is better" agree
 * with the labels (about 0.5 and exactly 1.0 for the built-in sets), whether the size of the length difference
 * depends on the label, the mean SFT response length, how much vocabulary domains share, and how many bad lines
 * were skipped.
 *
 * @param domains     one row per domain, sorted by name
 * @param all         the same figures over every domain
 * @param vocabulary  Jaccard similarity of the domains' word sets, in the order of {@code domains}
 * @param badLines    skipped lines per reason
 */
public record DataStats(String location, MultiDomainData.SplitSource sftSplit, MultiDomainData.SplitSource prefSplit,
                        double evalFraction, List<DomainStats> domains, DomainStats all, double[][] vocabulary,
                        Map<BadLineReason, Long> badLines) {

    /**
     * Figures of one domain (or of all). Means and accuracies are NaN when there are no pairs; accuracies count a
     * tie as half right. Lengths are UTF-8 bytes (byte-tokenizer tokens). {@code meanGapChosenLonger} is the mean of
     * |len(chosen) - len(rejected)| over the pairs whose chosen answer is the longer, {@code meanGapChosenShorter}
     * over those whose chosen answer is the shorter: when length does not depend on the label these agree (and
     * {@code longerIsBetterAccuracy} is about 0.5), not only the mean lengths.
     */
    public record DomainStats(String domain, int sftTrain, int sftEval, int prefTrain, int prefEval,
                              double meanRewardChosen, double meanRewardRejected, double meanBytesChosen,
                              double meanBytesRejected, double longerIsBetterAccuracy, double rewardAccuracy,
                              int maxPromptBytes, int maxResponseBytes, double meanSftResponseBytes,
                              double meanGapChosenLonger, double meanGapChosenShorter) {
        public int sft() {
            return sftTrain + sftEval;
        }

        public int pref() {
            return prefTrain + prefEval;
        }
    }

    /** Computes the figures of {@code data}, with {@code scorer} as r*. */
    public static DataStats compute(MultiDomainData data, GroundTruthScorer scorer) {
        List<DomainStats> rows = new ArrayList<>();
        List<DomainData> all = new ArrayList<>();
        List<Set<String>> vocab = new ArrayList<>();
        for (String d : data.domains()) {
            DomainData dd = data.domain(d);
            all.add(dd);
            rows.add(stats(d, List.of(dd), scorer));
            vocab.add(words(dd));
        }
        int n = vocab.size();
        double[][] jaccard = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                jaccard[i][j] = jaccard(vocab.get(i), vocab.get(j));
            }
        }
        return new DataStats(data.location(), data.sftSplit(), data.prefSplit(), data.evalFraction(), rows,
                stats("all", all, scorer), jaccard, data.loadReport().skippedByReason());
    }

    private static DomainStats stats(String name, List<DomainData> parts, GroundTruthScorer scorer) {
        int sftTrain = 0;
        int sftEval = 0;
        int prefTrain = 0;
        int prefEval = 0;
        int maxPrompt = 0;
        int maxResponse = 0;
        List<PreferencePair> pairs = new ArrayList<>();
        for (DomainData d : parts) {
            sftTrain += d.sftTrain().size();
            sftEval += d.sftEval().size();
            prefTrain += d.prefTrain().size();
            prefEval += d.prefEval().size();
            pairs.addAll(d.prefAll());
            for (SftSample s : d.sftAll()) {
                maxPrompt = Math.max(maxPrompt, bytes(s.prompt()));
                maxResponse = Math.max(maxResponse, bytes(s.response()));
            }
        }
        double rc = 0;
        double rr = 0;
        double lc = 0;
        double lr = 0;
        for (PreferencePair p : pairs) {
            rc += scorer.score(p.prompt(), p.chosen());
            rr += scorer.score(p.prompt(), p.rejected());
            lc += bytes(p.chosen());
            lr += bytes(p.rejected());
            maxPrompt = Math.max(maxPrompt, bytes(p.prompt()));
            maxResponse = Math.max(maxResponse, Math.max(bytes(p.chosen()), bytes(p.rejected())));
        }
        int k = pairs.size();
        double sftBytes = 0;
        int sftCount = 0;
        for (DomainData d : parts) {
            for (SftSample sample : d.sftAll()) {
                sftBytes += bytes(sample.response());
                sftCount++;
            }
        }
        return new DomainStats(name, sftTrain, sftEval, prefTrain, prefEval, rc / k, rr / k, lc / k, lr / k,
                accuracy(pairs, (prompt, answer) -> bytes(answer)), accuracy(pairs, scorer::score),
                maxPrompt, maxResponse, sftBytes / sftCount, meanGap(pairs, true), meanGap(pairs, false));
    }

    /** Mean |len(chosen) - len(rejected)| over the pairs whose chosen answer is the longer (or the shorter). */
    private static double meanGap(List<PreferencePair> pairs, boolean chosenLonger) {
        double sum = 0;
        int n = 0;
        for (PreferencePair p : pairs) {
            int gap = bytes(p.chosen()) - bytes(p.rejected());
            if (gap != 0 && gap > 0 == chosenLonger) {
                sum += Math.abs(gap);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Fraction of pairs whose chosen answer scores higher under {@code score}; ties count one half. */
    public static double accuracy(List<PreferencePair> pairs, ToDoubleBiFunction<String, String> score) {
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        double right = 0;
        for (PreferencePair p : pairs) {
            double c = score.applyAsDouble(p.prompt(), p.chosen());
            double r = score.applyAsDouble(p.prompt(), p.rejected());
            right += c > r ? 1 : c == r ? 0.5 : 0;
        }
        return right / pairs.size();
    }

    private static Set<String> words(DomainData d) {
        Set<String> words = new HashSet<>();
        for (SftSample s : d.sftAll()) {
            words.addAll(GroundTruthScorer.words(s.prompt()));
            words.addAll(GroundTruthScorer.words(s.response()));
        }
        for (PreferencePair p : d.prefAll()) {
            words.addAll(GroundTruthScorer.words(p.prompt()));
            words.addAll(GroundTruthScorer.words(p.chosen()));
            words.addAll(GroundTruthScorer.words(p.rejected()));
        }
        return words;
    }

    private static double jaccard(Set<String> a, Set<String> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1.0;
        }
        Set<String> union = new HashSet<>(a);
        union.addAll(b);
        int common = 0;
        for (String w : a) {
            common += b.contains(w) ? 1 : 0;
        }
        return (double) common / union.size();
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The figures as readable plain-text tables. */
    public String format() {
        StringBuilder out = new StringBuilder();
        out.append("data set: ").append(location).append('\n');
        out.append("eval split: SFT ").append(describe(sftSplit)).append(", preferences ").append(describe(prefSplit))
                .append('\n').append('\n');
        int w = Math.max(6, domains.stream().mapToInt(d -> d.domain().length()).max().orElse(0));
        String nameCol = "%-" + w + "s";
        out.append(String.format(Locale.ROOT, nameCol + " %6s %6s %6s %6s %6s %6s %7s %7s %7s %7s %8s %6s %6s %6s %6s %6s %6s%n",
                "domain", "sft", "train", "eval", "pref", "train", "eval", "r*_ch", "r*_rej", "len_ch", "len_rej",
                "longer", "r*", "max_p", "max_r", "len_y", "gap+", "gap-"));
        out.append(String.format(Locale.ROOT, nameCol + " %6s %6s %6s %6s %6s %6s %7s %7s %7s %7s %8s %6s %6s %6s %6s %6s %6s%n",
                "", "", "", "", "", "", "", "mean", "mean", "mean", "mean", "acc", "acc", "bytes", "bytes", "sft",
                "mean", "mean"));
        for (DomainStats d : domains) {
            out.append(row(nameCol, d));
        }
        out.append(row(nameCol, all));
        out.append('\n').append("longer acc: how often the longer answer is the chosen one (0.5 = length does not "
                + "leak the label); r* acc: how often r* ranks the pair as labelled").append('\n');
        out.append("len_y sft: mean SFT response bytes; gap+ / gap-: mean |len_ch - len_rej| over pairs whose chosen "
                + "answer is the longer / the shorter (equal when the length difference is independent of the label)")
                .append('\n');

        out.append('\n').append("vocabulary overlap (Jaccard similarity of word sets)\n");
        out.append(String.format(Locale.ROOT, nameCol, ""));
        for (DomainStats d : domains) {
            out.append(String.format(Locale.ROOT, " %" + Math.max(5, d.domain().length()) + "s", d.domain()));
        }
        out.append('\n');
        for (int i = 0; i < domains.size(); i++) {
            out.append(String.format(Locale.ROOT, nameCol, domains.get(i).domain()));
            for (int j = 0; j < domains.size(); j++) {
                out.append(String.format(Locale.ROOT, " %" + Math.max(5, domains.get(j).domain().length()) + ".2f",
                        vocabulary[i][j]));
            }
            out.append('\n');
        }

        out.append('\n').append("bad lines skipped: ");
        long total = badLines.values().stream().mapToLong(Long::longValue).sum();
        out.append(total == 0 ? "none" : total + " (" + LoadReport.describe(badLines) + ")").append('\n');
        return out.toString();
    }

    private String describe(MultiDomainData.SplitSource source) {
        return source == MultiDomainData.SplitSource.EVAL_FILE ? "from *.eval.jsonl"
                : String.format(Locale.ROOT, "by prompt hash (fraction %.2f)", evalFraction);
    }

    private static String row(String nameCol, DomainStats d) {
        return String.format(Locale.ROOT,
                nameCol + " %6d %6d %6d %6d %6d %6d %7s %7s %7s %7s %8s %6s %6d %6d %6s %6s %6s%n",
                d.domain(), d.sft(), d.sftTrain(), d.sftEval(), d.pref(), d.prefTrain(), d.prefEval(),
                num(d.meanRewardChosen(), 3), num(d.meanRewardRejected(), 3), num(d.meanBytesChosen(), 1),
                num(d.meanBytesRejected(), 1), num(d.longerIsBetterAccuracy(), 3), num(d.rewardAccuracy(), 3),
                d.maxPromptBytes(), d.maxResponseBytes(), num(d.meanSftResponseBytes(), 1),
                num(d.meanGapChosenLonger(), 2), num(d.meanGapChosenShorter(), 2));
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
