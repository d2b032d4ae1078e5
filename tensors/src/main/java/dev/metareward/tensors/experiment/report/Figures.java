package dev.metareward.tensors.experiment.report;

import dev.metareward.tensors.eval.Statistics.Interval;
import dev.metareward.tensors.experiment.Outcome;
import dev.metareward.tensors.experiment.ResultSet;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.BoxChart;
import org.knowm.xchart.BoxChartBuilder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The experiment's plots (XChart): Figures 2, 3 and 4 of the paper and the variants' Figure 5, from a result set. */
final class Figures {

    private Figures() {
    }

    /**
     * Figure 2: held-out PL accuracy against meta-test fine-tuning steps, one line per method (mean over seeds and
     * held-out domains, error bars = 95% t-interval). A method without fine-tuning (one point) is a flat line.
     */
    static XYChart accuracyVersusSteps(ResultSet results) {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Held-out PL accuracy during meta-test fine-tuning")
                .xAxisTitle("fine-tuning steps on the held-out domain").yAxisTitle("held-out PL accuracy").build();
        style(chart);
        List<Outcome> main = results.outcomes().stream().filter(Outcome::inTable3).toList();
        int lastStep = main.stream().flatMap(o -> o.curve().stream()).mapToInt(Outcome.CurvePoint::step).max()
                .orElse(0);
        for (String label : Table3.distinct(main, Outcome::label)) {
            TreeMap<Integer, List<Double>> byStep = new TreeMap<>();
            main.stream().filter(o -> o.label().equals(label)).flatMap(o -> o.curve().stream())
                    .forEach(p -> byStep.computeIfAbsent(p.step(), s -> new ArrayList<>()).add(p.plAccuracy()));
            if (byStep.isEmpty()) {
                continue;
            }
            if (byStep.size() == 1 && lastStep > byStep.firstKey()) {
                byStep.put(lastStep, byStep.firstEntry().getValue());
            }
            addIntervalSeries(chart, label, byStep);
        }
        return chart;
    }

    /** Figure 4: held-out PL accuracy of the learned phi against inner.beta, with 95% t-intervals. */
    static XYChart betaSweep(List<Outcome> rows) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Beta sweep: learned phi on held-out domains")
                .xAxisTitle("beta (inner.beta)").yAxisTitle("held-out PL accuracy").build();
        style(chart);
        TreeMap<Double, List<Double>> byBeta = new TreeMap<>();
        rows.forEach(o -> byBeta.computeIfAbsent(o.beta(), b -> new ArrayList<>()).add(o.plAccuracy()));
        // A log axis for sweeps over orders of magnitude; below a decade it would label no tick but one.
        chart.getStyler().setXAxisLogarithmic(byBeta.lastKey() / byBeta.firstKey() >= 10);
        addIntervalSeries(chart, rows.get(0).label().replaceAll(" \\(beta=.*\\)$", ""), byBeta);
        return chart;
    }

    /**
     * Figure 5: held-out PL accuracy (mean and 95% t-interval over seeds and held-out domains) of every Table 3 row
     * and of every variant of the learned phi, one point per row, so a variant reads against the defaults and the
     * reference rows at once.
     */
    static CategoryChart variants(ResultSet results) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(700)
                .title("Variants of the learned phi on held-out domains").yAxisTitle("held-out PL accuracy").build();
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendVisible(false).setMarkerSize(8);
        chart.getStyler().setXAxisLabelRotation(90);
        List<Outcome> rows = new ArrayList<>(results.outcomes().stream().filter(Outcome::inTable3).toList());
        results.outcomes().stream().filter(o -> !o.variant().isEmpty()).forEach(rows::add);
        java.util.function.Function<Outcome, String> name = o -> o.variant().isEmpty() ? o.label()
                : "learned phi [" + o.variant() + "]";
        List<String> names = Table3.distinct(rows, name);
        List<Double> means = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (String n : names) {
            Interval interval = Interval.of(rows.stream().filter(o -> name.apply(o).equals(n))
                    .mapToDouble(Outcome::plAccuracy).toArray());
            means.add(interval.mean());
            errors.add(Double.isNaN(interval.halfWidth()) ? 0 : interval.halfWidth());
        }
        chart.addSeries("held-out PL accuracy", names, means, errors);
        return chart;
    }

    /**
     * Figure 3: the judge's scores of generations, one box per method, one panel per temperature (pooled over
     * prompts, held-out domains and seeds).
     */
    static List<BoxChart> judgeRewardByTemperature(ResultSet results) {
        List<Outcome> main = results.outcomes().stream().filter(Outcome::inTable3).toList();
        TreeSet<Double> temperatures = new TreeSet<>();
        main.forEach(o -> temperatures.addAll(o.judgeScores().keySet()));
        List<BoxChart> charts = new ArrayList<>();
        for (double t : temperatures) {
            BoxChart chart = new BoxChartBuilder().width(600).height(660).title("Judge reward of generations, T = " + t)
                    .yAxisTitle("judge reward").build();
            chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendVisible(false);
            // One box per method, named on the x axis: level labels of nine methods overlap, and slanted ones lost
            // the last method's name.
            chart.getStyler().setXAxisLabelRotation(90);
            for (String label : Table3.distinct(main, Outcome::label)) {
                List<Double> scores = new ArrayList<>();
                main.stream().filter(o -> o.label().equals(label))
                        .map(o -> o.judgeScores().get(t)).filter(java.util.Objects::nonNull)
                        .forEach(s -> java.util.Arrays.stream(s).forEach(scores::add));
                if (!scores.isEmpty()) {
                    chart.addSeries(label, scores);
                }
            }
            if (!chart.getSeriesMap().isEmpty()) {
                charts.add(chart);
            }
        }
        return charts;
    }

    private static void addIntervalSeries(XYChart chart, String name, Map<? extends Number, List<Double>> byX) {
        int n = byX.size();
        double[] x = new double[n];
        double[] y = new double[n];
        double[] err = new double[n];
        int i = 0;
        for (Map.Entry<? extends Number, List<Double>> e : byX.entrySet()) {
            Interval interval = Interval.of(e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
            x[i] = e.getKey().doubleValue();
            y[i] = interval.mean();
            err[i] = Double.isNaN(interval.halfWidth()) ? 0 : interval.halfWidth();
            i++;
        }
        XYSeries series = chart.addSeries(name, x, y, err);
        series.setMarker(SeriesMarkers.CIRCLE);
    }

    private static void style(XYChart chart) {
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.OutsideS)
                .setMarkerSize(6);
    }
}
