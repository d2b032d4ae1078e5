package dev.metareward.tensors.experiment.report;

import dev.metareward.config.ExperimentSettings;
import dev.metareward.tensors.eval.Statistics.Interval;
import dev.metareward.tensors.experiment.Outcome;
import dev.metareward.tensors.experiment.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * The Markdown tables of an experiment ({@code table3.md}): the paper's Table 3 (held-out PL accuracy, methods x
 * held-out domains plus a mean column), then the held-out LM loss, the judge's reward of generations by
 * temperature, the win rate, the learned phi's paired differences to every other row, and the beta sweep and the
 * variants of experiment.variants when there are any. Every cell is "mean ± half-width" of a 95%
 * Student-t interval over seeds (a domain's column) or over seeds and held-out domains (the mean column); the best
 * mean of each column is in bold.
 */
public final class Table3 {

    private Table3() {
    }

    /** A column of a table: its heading and which outcomes it pools. */
    private record Column(String heading, Predicate<Outcome> member) {
    }

    public static String markdown(ResultSet results) {
        List<Outcome> main = results.outcomes().stream().filter(Outcome::inTable3).toList();
        List<Outcome> sweep = sweepRows(results);
        List<String> domains = distinct(results.outcomes(), Outcome::domain);
        List<Column> byDomain = new ArrayList<>();
        domains.forEach(d -> byDomain.add(new Column(d, o -> o.domain().equals(d))));
        byDomain.add(new Column("mean", o -> true));
        List<Double> temperatures = new ArrayList<>(new LinkedHashSet<>(main.stream()
                .flatMap(o -> o.judgeScores().keySet().stream()).toList()));
        List<Column> byTemperature = new ArrayList<>();
        temperatures.forEach(t -> byTemperature.add(new Column("T = " + t, o -> o.judgeScores().containsKey(t))));

        StringBuilder md = new StringBuilder();
        md.append("# Held-out evaluation\n\n");
        md.append(String.format(Locale.ROOT, "Protocol %s, folds %s, seeds %s. Each cell: mean ± half-width of the "
                        + "95%% Student-t interval, t(0.975, n-1) s / sqrt(n), over seeds (a domain's column) or over "
                        + "seeds and held-out domains (mean column); n = values pooled. Best mean of each column in "
                        + "bold. Model selection used the training domains' evaluation pairs only.%n%n",
                results.provenance().getOrDefault("protocol", "?"), distinct(results.outcomes(), Outcome::fold),
                distinct(results.outcomes(), o -> Long.toString(o.seed()))));
        Object finished = results.provenance().get("cells_finished");
        Object inGrid = results.provenance().get("cells_in_grid");
        if (finished != null && !finished.equals(inGrid)) {
            md.append("**Partial: ").append(finished).append(" of ").append(inGrid)
                    .append(" cells of the grid are finished; the rest are missing from every table.**\n\n");
        }
        md.append("## Table 3: held-out PL accuracy (Eq. 26, higher is better)\n\n");
        md.append(table(main, Outcome::label, byDomain, Outcome::plAccuracy, true));
        md.append("\n## Held-out LM loss (mean NLL per token on the held-out SFT evaluation data, lower is better)\n\n");
        md.append(table(main, Outcome::label, byDomain, Outcome::lmLoss, false));
        if (!byTemperature.isEmpty()) {
            md.append("\n## Judge reward of generations (median over prompts, by sampling temperature, higher is "
                    + "better)\n\n");
            md.append(table(main, Outcome::label, byTemperature, null, true,
                    temperatures));
        }
        md.append("\n## Win rate of generations against the chosen answers (all temperatures, higher is better)\n\n");
        md.append(table(main, Outcome::label, byDomain, Outcome::winRate, true));
        md.append(pairedDifferences(main));
        if (!sweep.isEmpty()) {
            md.append("\n## Beta sweep (Figure 4): held-out PL accuracy of the learned phi by inner.beta\n\n");
            md.append(table(sweep, o -> "beta = " + o.beta(), byDomain, Outcome::plAccuracy, true));
        }
        md.append(variants(results, byDomain));
        return md.toString();
    }

    /**
     * experiment.variants: each variant of the learned phi and the default one (named "defaults") by held-out
     * domain, then each variant minus the defaults paired by fold, seed and domain, and the training-domain PL
     * accuracy that selected each phi (the only figure a choice among variants may use without touching held-out
     * data); empty without variants.
     */
    static String variants(ResultSet results, List<Column> byDomain) {
        List<Outcome> rows = variantRows(results);
        if (rows.stream().allMatch(o -> o.variant().isEmpty())) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Variants of the learned phi (experiment.variants, Figure 5): "
                + "held-out PL accuracy\n\n");
        md.append(table(rows, Table3::variantName, byDomain, Outcome::plAccuracy, true));
        md.append("\n### Each variant minus the defaults, paired by fold, seed and held-out domain (ahead = pairs where "
                + "the variant is better)\n\n");
        Map<String, Outcome> defaults = new LinkedHashMap<>();
        rows.stream().filter(o -> o.variant().isEmpty()).forEach(o -> defaults.put(pairKey(o), o));
        md.append(pairedTable(defaults, rows.stream().filter(o -> !o.variant().isEmpty()).toList(),
                Table3::variantName, false));
        md.append("\n### Training-domain PL accuracy of the selected phi (model selection; no held-out data)\n\n");
        md.append(table(rows, Table3::variantName, List.of(new Column("mean", o -> true)),
                o -> o.diagnostics().getOrDefault("selection_pl_accuracy", Double.NaN), true));
        return md.toString();
    }

    /** The learned phi's Table 3 rows (the defaults) followed by every experiment.variants row. */
    static List<Outcome> variantRows(ResultSet results) {
        List<Outcome> rows = new ArrayList<>(results.outcomes().stream()
                .filter(o -> o.inTable3() && o.method().equals(ExperimentSettings.LEARNED_PHI)).toList());
        results.outcomes().stream().filter(o -> !o.variant().isEmpty()).forEach(rows::add);
        return rows;
    }

    static String variantName(Outcome o) {
        return o.variant().isEmpty() ? "defaults" : o.variant();
    }

    /**
     * The learned phi against every other row on the same (fold, seed, held-out domain): the mean paired difference
     * with its 95% t-interval and how often the learned phi is ahead. Pairing removes what the two rows share (the
     * warm start of the seed, the domain's difficulty), so this interval is the one that says whether a gain is
     * noise; empty without learned-phi rows.
     */
    static String pairedDifferences(List<Outcome> main) {
        Map<String, Outcome> learned = new LinkedHashMap<>();
        main.stream().filter(o -> o.method().equals(ExperimentSettings.LEARNED_PHI))
                .forEach(o -> learned.put(pairKey(o), o));
        if (learned.isEmpty()) {
            return "";
        }
        List<Outcome> others = main.stream().filter(o -> !o.method().equals(ExperimentSettings.LEARNED_PHI)).toList();
        return "\n## Learned phi minus each row, paired by fold, seed and held-out domain (mean ± 95% t-interval; "
                + "ahead = pairs where the learned phi is better)\n\n"
                + pairedTable(learned, others, Outcome::label, true);
    }

    /**
     * One line per row name of {@code rows}: the mean paired difference to the {@code anchor} outcome of the same
     * (fold, seed, domain) in PL accuracy and LM loss, with 95% t-intervals and how often the better side (the anchor
     * when {@code anchorMinusRow}, else the row) is ahead. Rows without an anchor on their key are left out.
     */
    private static String pairedTable(Map<String, Outcome> anchor, List<Outcome> rows,
                                      java.util.function.Function<Outcome, String> name, boolean anchorMinusRow) {
        StringBuilder md = new StringBuilder("| row | PL accuracy | ahead | LM loss | ahead |\n|---|---|---|---|---|\n");
        double sign = anchorMinusRow ? 1 : -1;
        for (String label : distinct(rows, name)) {
            List<Outcome[]> pairs = rows.stream().filter(o -> name.apply(o).equals(label)
                            && anchor.containsKey(pairKey(o)))
                    .map(o -> new Outcome[] {anchor.get(pairKey(o)), o}).toList();
            if (pairs.isEmpty()) {
                continue;
            }
            double[] accuracy = pairs.stream().mapToDouble(p -> sign * (p[0].plAccuracy() - p[1].plAccuracy()))
                    .toArray();
            double[] lmLoss = pairs.stream().mapToDouble(p -> sign * (p[0].lmLoss() - p[1].lmLoss())).toArray();
            md.append(String.format(Locale.ROOT, "| %s | %s | %d/%d | %s | %d/%d |%n", label,
                    formatSigned(Interval.of(accuracy)), Arrays.stream(accuracy).filter(d -> d > 0).count(),
                    pairs.size(), formatSigned(Interval.of(lmLoss)), Arrays.stream(lmLoss).filter(d -> d < 0).count(),
                    pairs.size()));
        }
        return md.toString();
    }

    private static String pairKey(Outcome o) {
        return o.fold() + "\u0000" + o.seed() + "\u0000" + o.domain();
    }

    private static String formatSigned(Interval interval) {
        String text = format(interval);
        return Double.isNaN(interval.mean()) || interval.mean() < 0 ? text : "+" + text;
    }

    /** The learned-phi rows at every beta (the main row at its own beta included) when the grid has a sweep. */
    static List<Outcome> sweepRows(ResultSet results) {
        List<Outcome> swept = results.outcomes().stream().filter(Outcome::sweep).toList();
        if (swept.isEmpty()) {
            return List.of();
        }
        String method = swept.get(0).method();
        List<Outcome> rows = new ArrayList<>(results.outcomes().stream()
                .filter(o -> o.inTable3() && o.method().equals(method)).toList());
        rows.addAll(swept);
        rows.sort(java.util.Comparator.comparingDouble(Outcome::beta));
        return rows;
    }

    private static String table(List<Outcome> outcomes, java.util.function.Function<Outcome, String> row,
                                List<Column> columns, ToDoubleFunction<Outcome> metric, boolean higherIsBetter) {
        return table(outcomes, row, columns, metric, higherIsBetter, null);
    }

    /**
     * One table; with {@code temperatures} the metric of column i is the median judge score at temperatures[i].
     */
    private static String table(List<Outcome> outcomes, java.util.function.Function<Outcome, String> row,
                                List<Column> columns, ToDoubleFunction<Outcome> metric, boolean higherIsBetter,
                                List<Double> temperatures) {
        List<String> rows = distinct(outcomes, row);
        Map<String, Interval[]> cells = new LinkedHashMap<>();
        for (String r : rows) {
            Interval[] intervals = new Interval[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                Column column = columns.get(c);
                ToDoubleFunction<Outcome> value = temperatures == null ? metric
                        : judgeMedianAt(temperatures.get(c));
                intervals[c] = Interval.of(outcomes.stream().filter(o -> row.apply(o).equals(r))
                        .filter(column.member()).mapToDouble(value).toArray());
            }
            cells.put(r, intervals);
        }
        StringBuilder md = new StringBuilder("| method |");
        columns.forEach(c -> md.append(' ').append(c.heading()).append(" |"));
        md.append("\n|---|");
        columns.forEach(c -> md.append("---|"));
        md.append('\n');
        for (String r : rows) {
            md.append("| ").append(r).append(" |");
            for (int c = 0; c < columns.size(); c++) {
                Interval cell = cells.get(r)[c];
                boolean best = isBest(cells, c, cell, higherIsBetter);
                String text = format(cell);
                md.append(' ').append(best ? "**" + text + "**" : text).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static ToDoubleFunction<Outcome> judgeMedianAt(double temperature) {
        return o -> o.medianJudgeScore().getOrDefault(temperature, Double.NaN);
    }

    private static boolean isBest(Map<String, Interval[]> cells, int column, Interval cell, boolean higherIsBetter) {
        if (Double.isNaN(cell.mean()) || cells.size() < 2) {
            return false;
        }
        for (Interval[] other : cells.values()) {
            double m = other[column].mean();
            if (!Double.isNaN(m) && (higherIsBetter ? m > cell.mean() : m < cell.mean())) {
                return false;
            }
        }
        return true;
    }

    /** "0.612 ± 0.031"; "0.612" alone when the interval is undefined (one value); "n/a" without values. */
    static String format(Interval interval) {
        if (Double.isNaN(interval.mean())) {
            return "n/a";
        }
        if (Double.isNaN(interval.halfWidth())) {
            return String.format(Locale.ROOT, "%.3f", interval.mean());
        }
        return String.format(Locale.ROOT, "%.3f ± %.3f", interval.mean(), interval.halfWidth());
    }

    static <T> List<String> distinct(List<T> items, java.util.function.Function<T, String> key) {
        return new ArrayList<>(new LinkedHashSet<>(items.stream().map(key).toList()));
    }
}
