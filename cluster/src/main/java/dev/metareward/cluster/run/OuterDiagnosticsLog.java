package dev.metareward.cluster.run;

import dev.metareward.tensors.bilevel.DomainMetaStep;
import dev.metareward.tensors.report.OuterStepDiagnostics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The diagnostics of every outer step (mean R, ESS, phi's reward margin and pair accuracy on the outer batch,
 * hypergradient norm): the domain workers record each contribution's measurements; once every training domain has
 * reported for a phi version, their mean is logged, appended to {@value #FILE} in the output folder (when there is
 * one) and kept for the run report. Thread-safe: every domain worker records from its own thread.
 *
 * <p>A resumed run reads what earlier processes wrote to the file and appends to it, so its report holds the whole
 * run; a malformed (e.g. torn last) line is skipped with a warning.
 */
public final class OuterDiagnosticsLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OuterDiagnosticsLog.class);

    public static final String FILE = "outer-diagnostics.tsv";
    private static final String HEADER = "phi_version\tmean_R\tess\treward_margin\tphi_pair_accuracy\t"
            + "hypergradient_norm\touter_loss";

    private final int domains;
    private final Map<Long, List<DomainMetaStep.Result>> pending = new HashMap<>();
    private final List<OuterStepDiagnostics> steps = new ArrayList<>();
    /** Empty for a log without a file. */
    private final Optional<AppendOnlyTsv> writer;

    private OuterDiagnosticsLog(int domains, Optional<AppendOnlyTsv> writer, List<OuterStepDiagnostics> earlier) {
        if (domains < 1) {
            throw new IllegalArgumentException("diagnostics need at least one training domain but got " + domains);
        }
        this.domains = domains;
        this.writer = writer;
        this.steps.addAll(earlier);
    }

    /** Logs only (no file): for runs without a report of their own, e.g. cluster nodes. */
    public static OuterDiagnosticsLog loggingOnly(int domains) {
        return new OuterDiagnosticsLog(domains, Optional.empty(), List.of());
    }

    /** Logs and writes {@value #FILE} in {@code outputDir}: a new file, or appended to when {@code resumed}. */
    public static OuterDiagnosticsLog inFolder(Path outputDir, int domains, boolean resumed) {
        Path file = outputDir.resolve(FILE);
        List<OuterStepDiagnostics> earlier;
        try {
            earlier = resumed && Files.exists(file) ? read(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
        }
        boolean header = !resumed || !Files.exists(file);
        // Losing the diagnostics must not stop training; the report still gets the steps held in memory.
        AppendOnlyTsv writer = AppendOnlyTsv.open(file, resumed, "the diagnostics from here on are only in the log");
        if (header) {
            writer.append(HEADER);
        }
        return new OuterDiagnosticsLog(domains, Optional.of(writer), earlier);
    }

    private static List<OuterStepDiagnostics> read(Path file) throws IOException {
        List<OuterStepDiagnostics> steps = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t");
            if (lines.get(i).equals(HEADER)) {
                continue;
            }
            try {
                if (f.length == 7) {
                    steps.add(new OuterStepDiagnostics(Long.parseLong(f[0]), Double.parseDouble(f[1]),
                            Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                            Double.parseDouble(f[5]), Double.parseDouble(f[6])));
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            LOG.warn("{}:{}: ignoring malformed line '{}' (expected {})", file, i + 1, lines.get(i), HEADER);
        }
        return steps;
    }

    /** Records one domain's measurements computed with phi at {@code phiVersion}. */
    public synchronized void record(long phiVersion, DomainMetaStep.Result result) {
        List<DomainMetaStep.Result> results = pending.computeIfAbsent(phiVersion, v -> new ArrayList<>());
        results.add(result);
        if (results.size() < domains) {
            return;
        }
        pending.remove(phiVersion);
        OuterStepDiagnostics step = mean(phiVersion, results);
        steps.add(step);
        LOG.info("outer step diagnostics, {}", step.format());
        write(step);
    }

    /** The steps completed so far, in the order they completed. */
    public synchronized List<OuterStepDiagnostics> steps() {
        return List.copyOf(steps);
    }

    private static OuterStepDiagnostics mean(long version, List<DomainMetaStep.Result> results) {
        double meanR = 0;
        double ess = 0;
        double margin = 0;
        double accuracy = 0;
        double norm = 0;
        double loss = 0;
        for (DomainMetaStep.Result r : results) {
            DomainMetaStep.Diagnostics d = r.diagnostics();
            meanR += d.weights().meanRaw();
            ess += d.weights().effectiveSampleSize();
            margin += d.spread().meanMargin();
            accuracy += d.spread().accuracy();
            norm += d.hypergradientNorm();
            loss += r.contribution().outerLoss();
        }
        int n = results.size();
        return new OuterStepDiagnostics(version, meanR / n, ess / n, margin / n, accuracy / n, norm / n, loss / n);
    }

    private void write(OuterStepDiagnostics s) {
        writer.ifPresent(w -> w.append(s.phiVersion() + "\t" + s.meanRawWeight() + "\t" + s.effectiveSampleSize()
                + "\t" + s.rewardMargin() + "\t" + s.phiPairAccuracy() + "\t" + s.hypergradientNorm() + "\t"
                + s.outerLoss()));
    }

    @Override
    public synchronized void close() {
        writer.ifPresent(AppendOnlyTsv::close);
    }
}
