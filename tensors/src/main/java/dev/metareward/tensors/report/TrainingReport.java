package dev.metareward.tensors.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * What a run produced: the outer loss per version, the outer steps' diagnostics, per-domain evaluation results and the
 * run's provenance. {@link #write(Path)} writes {@code report.json} and the plots {@code outer-loss.png} (with its
 * moving mean) and {@code pl-accuracy.png}.
 */
public record TrainingReport(String runId, Map<String, Object> provenance, List<Double> outerLoss,
                             List<OuterStepDiagnostics> outerDiagnostics, List<DomainResult> heldOut) {

    /** Outer steps per window of {@link #movingMean}: the per-batch loss is too noisy to read step by step. */
    public static final int MOVING_MEAN_WINDOW = 10;

    public static final String JSON = "report.json";
    public static final String LOSS_PLOT = "outer-loss.png";
    public static final String ACCURACY_PLOT = "pl-accuracy.png";

    public TrainingReport {
        provenance = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(provenance));
        outerLoss = List.copyOf(outerLoss);
        outerDiagnostics = List.copyOf(outerDiagnostics);
        heldOut = List.copyOf(heldOut);
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** Writes the JSON report and the plots into {@code dir} (created if needed). */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            mapper().writeValue(dir.resolve(JSON).toFile(), this);
            if (!outerLoss.isEmpty()) {
                BitmapEncoder.saveBitmap(lossChart(), dir.resolve(LOSS_PLOT).toString(), BitmapEncoder.BitmapFormat.PNG);
            }
            if (!heldOut.isEmpty()) {
                BitmapEncoder.saveBitmap(accuracyChart(), dir.resolve(ACCURACY_PLOT).toString(),
                        BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the report to " + dir + ": " + e.getMessage(), e);
        }
    }

    public static TrainingReport read(Path dir) {
        try {
            return mapper().readValue(dir.resolve(JSON).toFile(), TrainingReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + dir.resolve(JSON) + ": " + e.getMessage(), e);
        }
    }

    private XYChart lossChart() {
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Outer loss (preference loss after the inner loop)")
                .xAxisTitle("phi version").yAxisTitle("loss_PL").build();
        chart.getStyler().setLegendVisible(false).setMarkerSize(3).setChartBackgroundColor(Color.WHITE);
        // Early outer steps can spike by two orders of magnitude; a log axis keeps the later trend readable.
        chart.getStyler().setYAxisLogarithmic(outerLoss.stream().allMatch(v -> v > 0));
        chart.getStyler().setXAxisTickMarkSpacingHint(60);
        double[] x = new double[outerLoss.size()];
        double[] y = new double[outerLoss.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
            y[i] = outerLoss.get(i);
        }
        chart.addSeries("outer loss", x, y);
        chart.addSeries("moving mean of " + MOVING_MEAN_WINDOW, x, movingMean(y, MOVING_MEAN_WINDOW))
                .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    /** Entry i is the mean of values[max(0, i - window + 1) .. i] (a trailing window, shorter at the start). */
    public static double[] movingMean(double[] values, int window) {
        double[] out = new double[values.length];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i];
            if (i >= window) {
                sum -= values[i - window];
            }
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    private CategoryChart accuracyChart() {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500)
                .title("Held-out PL accuracy (Eq. 26)").xAxisTitle("held-out domain").yAxisTitle("PL accuracy").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setChartBackgroundColor(Color.WHITE);
        List<String> domains = heldOut.stream().map(DomainResult::domain).toList();
        Set<String> methods = new LinkedHashSet<>();
        heldOut.forEach(d -> methods.addAll(d.plAccuracy().keySet()));
        for (String method : methods) {
            List<Double> values = new ArrayList<>();
            for (DomainResult d : heldOut) {
                values.add(d.plAccuracy().getOrDefault(method, 0.0));
            }
            chart.addSeries(method, domains, values);
        }
        return chart;
    }
}
