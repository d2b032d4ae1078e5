package dev.metareward.cluster.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outer loss of every phi version of a run, kept in {@value #FILE} ("version TAB loss" per line, appended as
 * versions are applied) in the run's output folder. A resumed run starts from what an earlier process wrote, so its
 * report and plot show the whole curve, not only the versions trained since the resume. Thread-safe: the coordinator
 * records, the command reads at the end.
 */
public final class OuterLossLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OuterLossLog.class);

    public static final String FILE = "outer-loss.tsv";

    private final Path file;
    /** Later lines win: versions past a resumed checkpoint are trained again and recorded again. */
    private final TreeMap<Long, Double> lossByVersion;
    private final AppendOnlyTsv writer;

    private OuterLossLog(Path file, TreeMap<Long, Double> lossByVersion, boolean append) {
        this.file = file;
        this.lossByVersion = lossByVersion;
        this.writer = AppendOnlyTsv.open(file, append, "a later resume will not see the outer losses from here on");
    }

    /** A new run: starts an empty log, replacing the one of an earlier run in {@code outputDir}. */
    public static OuterLossLog fresh(Path outputDir) {
        Path file = outputDir.resolve(FILE);
        return new OuterLossLog(file, new TreeMap<>(), false);
    }

    /** A resumed run: keeps what earlier processes recorded in {@code outputDir} and appends to it. */
    public static OuterLossLog resumed(Path outputDir) {
        return read(outputDir, true);
    }

    /**
     * The log of a cluster run, which the coordinator-role nodes share (each appends while it holds the coordinator):
     * what is in {@code outputDir} so far, appended to; a missing file is simply a new run.
     */
    public static OuterLossLog shared(Path outputDir) {
        return read(outputDir, false);
    }

    private static OuterLossLog read(Path outputDir, boolean warnIfMissing) {
        Path file = outputDir.resolve(FILE);
        TreeMap<Long, Double> losses = new TreeMap<>();
        if (Files.isRegularFile(file)) {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    parse(lines.get(i), file, i + 1, losses);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
            }
        } else if (warnIfMissing) {
            LOG.warn("{} is missing: the report of this resumed run shows only the versions trained from now on", file);
        }
        return new OuterLossLog(file, losses, true);
    }

    private static void parse(String line, Path file, int number, Map<Long, Double> into) {
        String[] fields = line.split("\t");
        try {
            if (fields.length == 2) {
                into.put(Long.parseLong(fields[0]), Double.parseDouble(fields[1]));
                return;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        // The last line of a killed process can be torn; its version is trained again after the resume.
        LOG.warn("{}:{}: ignoring malformed line '{}' (expected version TAB loss)", file, number, line);
    }

    /** Records the mean outer loss that produced {@code version}; written through so a killed run keeps it. */
    public synchronized void record(long version, double loss) {
        lossByVersion.put(version, loss);
        // A failed write only loses the file's copy: the report still gets the losses held in memory.
        writer.append(version + "\t" + loss);
    }

    /** The loss of versions 1..{@code lastVersion} in order; versions never recorded are left out, with a warning. */
    public synchronized List<Double> upTo(long lastVersion) {
        List<Double> losses = new ArrayList<>();
        List<Long> missing = new ArrayList<>();
        for (long v = 1; v <= lastVersion; v++) {
            Double loss = lossByVersion.get(v);
            if (loss == null) {
                missing.add(v);
            } else {
                losses.add(loss);
            }
        }
        if (!missing.isEmpty()) {
            LOG.warn("the outer loss of {} version(s) is unknown (first: {}); the loss curve of the report has gaps",
                    missing.size(), missing.get(0));
        }
        return losses;
    }

    @Override
    public synchronized void close() {
        writer.close();
    }
}
