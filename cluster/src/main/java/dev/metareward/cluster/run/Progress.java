package dev.metareward.cluster.run;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long phase: a progress bar when stderr is a terminal, otherwise a log line every ~10% (CI logs and
 * redirected output stay readable).
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final String task;
    private long total;
    private final ProgressBar bar;
    private long done;
    private long lastLoggedDecile = -1;
    private String extra = "";

    public Progress(String task, long total) {
        this.task = task;
        this.total = Math.max(1, total);
        this.bar = System.console() != null
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(this.total)
                        .setStyle(ProgressBarStyle.ASCII).continuousUpdate().build()
                : null;
    }

    /**
     * Re-bases the bar when the work starts part-way, e.g. a resumed run at version {@code position} of
     * {@code total}: the bar then shows versions, and a run that reaches its target does not read as stopped.
     */
    public synchronized void startAt(long position, long total) {
        this.total = Math.max(1, total);
        this.done = position;
        this.lastLoggedDecile = position * 10 / this.total;
        if (bar != null) {
            bar.maxHint(this.total);
            bar.stepTo(position);
        }
    }

    /** Advances by one unit of work and shows {@code message} (e.g. the current loss) beside the bar. */
    public synchronized void step(String message) {
        done++;
        extra = message;
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(message);
            return;
        }
        long decile = done * 10 / total;
        if (decile != lastLoggedDecile || done == total) {
            lastLoggedDecile = decile;
            LOG.info("{}: {}/{} {}", task, done, total, message);
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        } else if (done < total) {
            LOG.info("{}: stopped at {}/{} {}", task, done, total, extra);
        }
    }
}
