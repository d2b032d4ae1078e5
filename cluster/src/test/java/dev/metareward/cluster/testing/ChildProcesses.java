package dev.metareward.cluster.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.metareward.cluster.cli.MetarewardCli;
import dev.metareward.cluster.node.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * metareward processes started by a test, each logging to its own file; {@link #close()} kills whatever is still
 * running, so a failed test never leaves a node behind.
 */
public final class ChildProcesses implements AutoCloseable {

    private final Path logDir;
    private final Map<String, String> env;
    private final Map<String, Process> processes = new LinkedHashMap<>();

    /** @param env added to every child's environment (e.g. the run secret) */
    public ChildProcesses(Path logDir, Map<String, String> env) {
        this.logDir = logDir;
        this.env = Map.copyOf(env);
    }

    /** Starts {@code metareward <args>} as child {@code name}. */
    public Process start(String name, List<String> args) throws IOException {
        Process process = ChildJvm.builder(MetarewardCli.class.getName(), args, env).redirectErrorStream(true)
                .redirectOutput(log(name).toFile()).start();
        processes.put(name, process);
        return process;
    }

    public Process process(String name) {
        return processes.get(name);
    }

    public Path log(String name) {
        return logDir.resolve(name + ".log");
    }

    /** Everything child {@code name} printed so far. */
    public String output(String name) {
        try {
            return Files.exists(log(name)) ? Files.readString(log(name), StandardCharsets.UTF_8) : "(no output)";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Every child's output, for failure messages. */
    public String outputs() {
        StringBuilder all = new StringBuilder();
        for (String name : processes.keySet()) {
            all.append("\n===== ").append(name).append(" =====\n").append(tail(output(name), 12_000));
        }
        return all.toString();
    }

    /** Waits until child {@code name}'s output matches {@code pattern}; fails on timeout or its exit before. */
    public Matcher awaitOutput(String name, Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(output(name));
            if (m.find()) {
                return m;
            }
            if (!processes.get(name).isAlive()) {
                fail(name + " exited with " + processes.get(name).exitValue() + " before printing /" + pattern
                        + "/" + outputs());
            }
            if (System.nanoTime() > deadline) {
                fail(name + " did not print /" + pattern + "/ within " + timeout + outputs());
            }
            Thread.sleep(200);
        }
    }

    /** Waits for child {@code name} to exit and returns its status; fails after {@code timeout}. */
    public int awaitExit(String name, Duration timeout) throws InterruptedException {
        Process process = processes.get(name);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " did not exit within " + timeout + outputs());
        }
        return process.exitValue();
    }

    /** kill -9 of child {@code name} and of every process it started. */
    public void kill(String name) throws InterruptedException {
        Process process = processes.get(name);
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Lines of child {@code name}'s output matching {@code pattern}, first group of each. */
    public List<String> grep(String name, Pattern pattern) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(output(name));
        while (m.find()) {
            found.add(m.groupCount() > 0 ? m.group(1) : m.group());
        }
        return found;
    }

    @Override
    public void close() {
        for (Process process : processes.values()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : processes.values()) {
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }
}
