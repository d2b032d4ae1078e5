package dev.metareward.tensors.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What loading a data set did, file by file: lines loaded and lines skipped per {@link BadLineReason} (under the
 * {@code skip} policy), with the first few skipped lines' messages kept as examples. Filled by one loading thread.
 */
public final class LoadReport {

    /** How many skipped-line messages are kept per file for the log. */
    static final int EXAMPLES_KEPT = 3;

    private final Map<String, FileCounts> files = new LinkedHashMap<>();

    /** Loaded and skipped lines of one file. */
    public record FileSummary(String file, long loaded, Map<BadLineReason, Long> skipped, List<String> examples) {
        public long skippedTotal() {
            return skipped.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final class FileCounts {
        long loaded;
        final EnumMap<BadLineReason, Long> skipped = new EnumMap<>(BadLineReason.class);
        final List<String> examples = new ArrayList<>();
    }

    void startFile(String file) {
        files.computeIfAbsent(file, f -> new FileCounts());
    }

    void recordLoaded(String file) {
        files.computeIfAbsent(file, f -> new FileCounts()).loaded++;
    }

    void recordSkipped(DataFormatException bad) {
        FileCounts counts = files.computeIfAbsent(bad.file(), f -> new FileCounts());
        counts.skipped.merge(bad.reason(), 1L, Long::sum);
        if (counts.examples.size() < EXAMPLES_KEPT) {
            counts.examples.add(bad.getMessage());
        }
    }

    /** One summary per file read, in reading order. */
    public List<FileSummary> files() {
        List<FileSummary> out = new ArrayList<>();
        files.forEach((name, c) -> out.add(new FileSummary(name, c.loaded,
                Collections.unmodifiableMap(new EnumMap<>(c.skipped)), List.copyOf(c.examples))));
        return out;
    }

    /** Lines skipped for {@code reason} across all files. */
    public long skipped(BadLineReason reason) {
        return files.values().stream().mapToLong(c -> c.skipped.getOrDefault(reason, 0L)).sum();
    }

    public long skippedTotal() {
        return files.values().stream().flatMap(c -> c.skipped.values().stream()).mapToLong(Long::longValue).sum();
    }

    /** Skipped lines per reason across all files (reasons with none are absent). */
    public Map<BadLineReason, Long> skippedByReason() {
        EnumMap<BadLineReason, Long> total = new EnumMap<>(BadLineReason.class);
        files.values().forEach(c -> c.skipped.forEach((r, n) -> total.merge(r, n, Long::sum)));
        return total;
    }

    /** Logs one line per file (INFO) and, when lines were skipped, the counts and first examples (WARN). */
    public void log(Logger log) {
        for (FileSummary f : files()) {
            if (f.skippedTotal() == 0) {
                log.info("{}: {} records loaded, no bad lines", f.file(), f.loaded());
            } else {
                log.warn("{}: {} records loaded, {} bad lines skipped ({}); first: {}", f.file(), f.loaded(),
                        f.skippedTotal(), describe(f.skipped()), String.join(" | ", f.examples()));
            }
        }
    }

    static String describe(Map<BadLineReason, Long> skipped) {
        List<String> parts = new ArrayList<>();
        skipped.forEach((r, n) -> parts.add(r.label() + ": " + n));
        return String.join(", ", parts);
    }
}
