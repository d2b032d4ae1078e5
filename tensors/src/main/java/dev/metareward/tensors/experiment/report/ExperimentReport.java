package dev.metareward.tensors.experiment.report;

import dev.metareward.tensors.experiment.Outcome;
import dev.metareward.tensors.experiment.ResultSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BoxChart;

/**
 * Writes an experiment's report folder from a {@link ResultSet} alone (so it can be regenerated and tested without
 * running anything): {@code results.json} (every number), {@code results.csv} (one line per method, held-out domain
 * and seed), {@code curves.csv} (Figure 2's points), {@code judge-scores.csv} (every generation's score),
 * {@code table3.md} ({@link Table3}) and the plots {@code figure2-accuracy-vs-steps.png},
 * {@code figure3-judge-reward.png} and, with a beta sweep, {@code figure4-beta-sweep.png}, with experiment.variants,
 * {@code figure5-variants.png}.
 */
public final class ExperimentReport {
    public static final String JSON = "results.json";
    public static final String CSV = "results.csv";
    public static final String CURVES_CSV = "curves.csv";
    public static final String JUDGE_CSV = "judge-scores.csv";
    public static final String TABLE = "table3.md";
    public static final String FIGURE_2 = "figure2-accuracy-vs-steps.png";
    public static final String FIGURE_3 = "figure3-judge-reward.png";
    public static final String FIGURE_4 = "figure4-beta-sweep.png";
    public static final String FIGURE_5 = "figure5-variants.png";

    private ExperimentReport() {
    }

    /** Writes every file of the report into {@code dir} (created if needed); returns table3.md's text. */
    public static String write(ResultSet results, Path dir) {
        try {
            Files.createDirectories(dir);
            results.writeJson(dir.resolve(JSON));
            Files.writeString(dir.resolve(CSV), resultsCsv(results));
            Files.writeString(dir.resolve(CURVES_CSV), curvesCsv(results));
            Files.writeString(dir.resolve(JUDGE_CSV), judgeCsv(results));
            String table = Table3.markdown(results);
            Files.writeString(dir.resolve(TABLE), table);
            BitmapEncoder.saveBitmap(Figures.accuracyVersusSteps(results), dir.resolve(FIGURE_2).toString(),
                    BitmapEncoder.BitmapFormat.PNG);
            List<BoxChart> boxes = Figures.judgeRewardByTemperature(results);
            if (!boxes.isEmpty()) {
                int columns = Math.min(2, boxes.size());
                BitmapEncoder.saveBitmap(boxes, (boxes.size() + columns - 1) / columns, columns,
                        dir.resolve(FIGURE_3).toString(), BitmapEncoder.BitmapFormat.PNG);
            }
            List<Outcome> sweep = Table3.sweepRows(results);
            if (!sweep.isEmpty()) {
                BitmapEncoder.saveBitmap(Figures.betaSweep(sweep), dir.resolve(FIGURE_4).toString(),
                        BitmapEncoder.BitmapFormat.PNG);
            }
            if (results.outcomes().stream().anyMatch(o -> !o.variant().isEmpty())) {
                BitmapEncoder.saveBitmap(Figures.variants(results), dir.resolve(FIGURE_5).toString(),
                        BitmapEncoder.BitmapFormat.PNG);
            }
            return table;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the experiment report to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String resultsCsv(ResultSet results) {
        List<Double> temperatures = new ArrayList<>(new LinkedHashSet<>(results.outcomes().stream()
                .flatMap(o -> o.judgeScores().keySet().stream()).toList()));
        StringBuilder csv = new StringBuilder(KEY_COLUMNS + ",pl_accuracy,lm_loss,win_rate");
        temperatures.forEach(t -> csv.append(",median_judge_reward_t").append(t));
        csv.append(",seconds\n");
        for (Outcome o : results.outcomes()) {
            csv.append(String.join(",", key(o), num(o.plAccuracy()), num(o.lmLoss()), num(o.winRate())));
            temperatures.forEach(t -> csv.append(',').append(num(o.medianJudgeScore().getOrDefault(t, Double.NaN))));
            csv.append(',').append(num(o.seconds())).append('\n');
        }
        return csv.toString();
    }

    private static String curvesCsv(ResultSet results) {
        StringBuilder csv = new StringBuilder(KEY_COLUMNS + ",step,pl_accuracy\n");
        for (Outcome o : results.outcomes()) {
            for (Outcome.CurvePoint p : o.curve()) {
                csv.append(String.join(",", key(o), Integer.toString(p.step()), num(p.plAccuracy()))).append('\n');
            }
        }
        return csv.toString();
    }

    private static String judgeCsv(ResultSet results) {
        StringBuilder csv = new StringBuilder(KEY_COLUMNS + ",temperature,prompt,judge_reward\n");
        for (Outcome o : results.outcomes()) {
            o.judgeScores().forEach((t, scores) -> {
                for (int i = 0; i < scores.length; i++) {
                    csv.append(String.join(",", key(o), num(t), Integer.toString(i), num(scores[i]))).append('\n');
                }
            });
        }
        return csv.toString();
    }

    /** The columns that say which row, fold, seed and held-out domain a line of every CSV belongs to. */
    private static final String KEY_COLUMNS = "method,label,sweep,beta,variant,fold,seed,domain";

    private static String key(Outcome o) {
        return String.join(",", o.method(), quote(o.label()), Boolean.toString(o.sweep()), num(o.beta()),
                quote(o.variant()), o.fold(), Long.toString(o.seed()), o.domain());
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
