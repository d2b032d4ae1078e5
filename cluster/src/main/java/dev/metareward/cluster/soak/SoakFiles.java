package dev.metareward.cluster.soak;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The files of a soak: {@value #CSV} (appended as samples arrive, so a killed soak keeps what it measured) and
 * {@value #PNG} (throughput, RSS and, when known, ND4J off-heap memory over time, one chart under the other).
 */
public final class SoakFiles implements AutoCloseable {

    public static final String CSV = "soak.csv";
    public static final String PNG = "soak.png";
    /** Columns of {@value #CSV}: one row per node and sample. */
    public static final String HEADER = "seconds,node,pid,rss_mb,nd4j_offheap_mb,updates_total,updates_per_s,"
            + "restarts";

    private final Path dir;
    private final BufferedWriter csv;
    private SoakSample previous;

    /** Creates {@code dir} and starts {@value #CSV} there (replacing an earlier one). */
    public SoakFiles(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            csv = Files.newBufferedWriter(dir.resolve(CSV), StandardCharsets.UTF_8);
            csv.write(HEADER + "\n");
            csv.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(CSV) + ": " + e.getMessage(), e);
        }
    }

    /** Appends one row per node of {@code sample}; updates/s is over the interval since the previous sample. */
    public void append(SoakSample sample) {
        double rate = previous == null || sample.seconds() <= previous.seconds() ? Double.NaN
                : (sample.updates() - previous.updates()) / (sample.seconds() - previous.seconds());
        previous = sample;
        try {
            for (SoakSample.Node n : sample.nodes()) {
                csv.write(String.format(Locale.ROOT, "%.1f,%s,%d,%s,%s,%d,%s,%d%n", sample.seconds(), n.name(),
                        n.pid(), n.residentBytes() < 0 ? "" : String.format(Locale.ROOT, "%.1f",
                                n.residentBytes() / 1e6), Double.isNaN(n.offHeapBytes()) ? "n/a"
                                : String.format(Locale.ROOT, "%.1f", n.offHeapBytes() / 1e6), sample.updates(),
                        Double.isNaN(rate) ? "" : String.format(Locale.ROOT, "%.4f", rate), sample.restarts()));
            }
            csv.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(CSV) + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@value #PNG} from every sample. */
    public Path plot(List<SoakSample> samples, double warmupSeconds) {
        List<XYChart> charts = new ArrayList<>();
        XYChart throughput = chart("Throughput (updates of phi per second, per sample interval)", "updates/s");
        List<Double> t = new ArrayList<>();
        List<Double> rate = new ArrayList<>();
        for (int i = 1; i < samples.size(); i++) {
            SoakSample a = samples.get(i - 1);
            SoakSample b = samples.get(i);
            if (b.seconds() > a.seconds()) {
                t.add(b.seconds() / 60);
                rate.add((b.updates() - a.updates()) / (b.seconds() - a.seconds()));
            }
        }
        if (!t.isEmpty()) {
            throughput.addSeries("updates/s", t, rate);
        }
        charts.add(throughput);
        charts.add(perNode(samples, "Resident memory (VmRSS) per process", "MB",
                n -> n.residentBytes() < 0 ? Double.NaN : n.residentBytes() / 1e6));
        XYChart offHeap = perNode(samples, "ND4J off-heap memory (JavaCPP total bytes) per process", "MB",
                n -> n.offHeapBytes() / 1e6);
        if (!offHeap.getSeriesMap().isEmpty()) {
            charts.add(offHeap);
        }
        for (XYChart c : charts) {
            c.setTitle(c.getTitle() + String.format(Locale.ROOT, "  (warm-up: first %.1f min)", warmupSeconds / 60));
        }
        Path png = dir.resolve(PNG);
        try {
            ImageIO.write(stack(charts), "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
        return png;
    }

    private static XYChart perNode(List<SoakSample> samples, String title, String unit,
                                   ToDoubleFunction<SoakSample.Node> value) {
        XYChart chart = chart(title, unit);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (SoakSample s : samples) {
            for (SoakSample.Node n : s.nodes()) {
                double v = value.applyAsDouble(n);
                if (!Double.isNaN(v)) {
                    series.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(new double[] {s.seconds() / 60, v});
                }
            }
        }
        series.forEach((node, points) -> chart.addSeries(node, points.stream().map(p -> p[0]).toList(),
                points.stream().map(p -> p[1]).toList()));
        return chart;
    }

    private static XYChart chart(String title, String unit) {
        XYChart chart = new XYChartBuilder().width(900).height(330).title(title).xAxisTitle("minutes")
                .yAxisTitle(unit).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW).setMarkerSize(3)
                .setChartBackgroundColor(Color.WHITE);
        return chart;
    }

    private static BufferedImage stack(List<XYChart> charts) {
        List<BufferedImage> images = charts.stream().map(BitmapEncoder::getBufferedImage).toList();
        int width = images.stream().mapToInt(BufferedImage::getWidth).max().orElse(1);
        int height = images.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage all = new BufferedImage(width, Math.max(1, height), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int y = 0;
        for (BufferedImage image : images) {
            g.drawImage(image, 0, y, null);
            y += image.getHeight();
        }
        g.dispose();
        return all;
    }

    @Override
    public void close() {
        try {
            csv.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + dir.resolve(CSV) + ": " + e.getMessage(), e);
        }
    }
}
