package dev.metareward.tensors.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Numbered checkpoints {@code <prefix>-<sequence>.ckpt} in one directory: keeps the newest K, and loads the newest
 * one that verifies, falling back to older ones when the newest is torn or corrupt.
 */
public final class CheckpointRotation {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointRotation.class);
    private static final String SUFFIX = ".ckpt";

    private final Path directory;
    private final String prefix;
    private final int keep;
    private final Pattern pattern;

    /**
     * @param prefix file name prefix, e.g. "phi"
     * @param keep how many checkpoints to keep (training.keep-checkpoints)
     */
    public CheckpointRotation(Path directory, String prefix, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1 but was " + keep);
        }
        if (!prefix.matches("[A-Za-z0-9_.]+")) {
            throw new IllegalArgumentException("checkpoint prefix '" + prefix + "' must be letters, digits, '_' or '.'");
        }
        this.directory = directory;
        this.prefix = prefix;
        this.keep = keep;
        this.pattern = Pattern.compile(Pattern.quote(prefix) + "-(\\d{12})" + Pattern.quote(SUFFIX));
    }

    /** Writes something that can write itself to a path. */
    @FunctionalInterface
    public interface Writer {
        void write(Path path) throws IOException;
    }

    /** Reads a checkpoint file. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Path path) throws IOException;
    }

    /**
     * A loaded checkpoint.
     *
     * @param skipped newer files that failed verification and were passed over
     */
    public record Loaded<T>(Path path, long sequence, T value, List<Path> skipped) {
    }

    /** The file of checkpoint number {@code sequence}. */
    public Path pathFor(long sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("checkpoint sequence must be >= 0 but was " + sequence);
        }
        return directory.resolve(String.format("%s-%012d%s", prefix, sequence, SUFFIX));
    }

    /** Writes checkpoint {@code sequence} (atomically, by the writer) and then deletes all but the newest K. */
    public Path write(long sequence, Writer writer) throws IOException {
        Files.createDirectories(directory);
        Path path = pathFor(sequence);
        writer.write(path);
        prune();
        return path;
    }

    /** Existing checkpoint files, oldest first. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> pattern.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(this::sequenceOf)).toList();
        }
    }

    /** Deletes all but the newest K checkpoints and any leftover temporary files of interrupted writes. */
    public void prune() throws IOException {
        List<Path> files = list();
        for (int k = 0; k < files.size() - keep; k++) {
            Files.deleteIfExists(files.get(k));
        }
        try (Stream<Path> temps = Files.list(directory)) {
            for (Path temp : temps.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("." + prefix + "-") && name.endsWith(AtomicFiles.TEMP_SUFFIX);
            }).toList()) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Loads the newest checkpoint that reads without a {@link CorruptCheckpointException}; older ones are tried in
     * turn. A {@link CheckpointMismatchException} is not caught: an older file of the same run would not fit either,
     * and silently training from an older state would hide the configuration error.
     *
     * @return empty when there is no checkpoint or none verifies
     */
    public <T> Optional<Loaded<T>> loadNewestValid(Reader<T> reader) throws IOException {
        List<Path> files = new ArrayList<>(list());
        List<Path> skipped = new ArrayList<>();
        for (int k = files.size() - 1; k >= 0; k--) {
            Path path = files.get(k);
            try {
                T value = reader.read(path);
                if (!skipped.isEmpty()) {
                    LOG.warn("loaded checkpoint {} after skipping {} newer corrupt file(s): {}", path, skipped.size(),
                            skipped);
                }
                return Optional.of(new Loaded<>(path, sequenceOf(path), value, List.copyOf(skipped)));
            } catch (CorruptCheckpointException e) {
                LOG.warn("skipping corrupt checkpoint: {}", e.getMessage());
                skipped.add(path);
            }
        }
        if (!skipped.isEmpty()) {
            LOG.warn("no valid checkpoint in {}: all {} file(s) failed verification", directory, skipped.size());
        }
        return Optional.empty();
    }

    private long sequenceOf(Path path) {
        Matcher m = pattern.matcher(path.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(path + " is not a checkpoint of prefix " + prefix);
        }
        return Long.parseLong(m.group(1));
    }
}
