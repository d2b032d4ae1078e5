package dev.metareward.tensors.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An external program as the judge. Per call it starts the command, writes one JSON object a line to its stdin,
 * {@code {"domain": ..., "prompt": ..., "continuation": ...}} (UTF-8, then closes stdin), and reads exactly one line
 * per input line from its stdout, in order: a JSON number or an object with a numeric {@code "score"}. Scores must
 * be finite. stderr is kept (its last {@value #STDERR_KEPT} characters) for error messages. The whole call, from
 * start to exit, must finish within the timeout, else the process and its descendants are killed.
 *
 * <p>Any failure (cannot start, exit status not 0, too few or too many lines, a line that is not a number, a
 * non-finite score, timeout) is a {@link JudgeException} naming the command, the domain, the line and what was
 * expected; the caller keeps its other results.
 */
public final class CommandJudge implements Judge {

    static final int STDERR_KEPT = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long to wait for the output readers after the process exited (a grandchild may hold the pipes open). */
    private static final long DRAIN_MILLIS = 2000;

    private final List<String> command;
    private final Duration timeout;

    public CommandJudge(List<String> command, Duration timeout) {
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("the judge command is empty; expected a program and its arguments");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the judge timeout must be positive but was " + timeout);
        }
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    @Override
    public String describe() {
        return "command " + command + " (timeout " + timeout + ")";
    }

    @Override
    public double[] score(String domain, List<Generation> generations) {
        if (generations.isEmpty()) {
            return new double[0];
        }
        String input = input(domain, generations);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw fail(domain, "could not start: " + e.getMessage(), "");
        }
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        StringBuffer stderr = new StringBuffer();
        AtomicReference<IOException> writeError = new AtomicReference<>();
        Thread writer = daemon("judge-stdin", () -> {
            try (Writer w = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                w.write(input);
            } catch (IOException e) {
                writeError.set(e); // usually a broken pipe: the judge exited before reading everything
            }
        });
        Thread out = daemon("judge-stdout", () -> readLines(process.getInputStream(), lines));
        Thread err = daemon("judge-stderr", () -> readTail(process.getErrorStream(), stderr));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw fail(domain, "did not finish within the timeout of " + timeout + " (it had written "
                        + lines.size() + " of " + generations.size() + " lines); it was killed", tail(stderr));
            }
            out.join(DRAIN_MILLIS);
            err.join(DRAIN_MILLIS);
            writer.join(DRAIN_MILLIS);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new JudgeException("interrupted while waiting for the judge " + describe(), e);
        }
        if (process.exitValue() != 0) {
            throw fail(domain, "exited with status " + process.exitValue() + " after writing " + lines.size()
                    + " of " + generations.size() + " lines" + (writeError.get() == null ? ""
                    : " (it stopped reading its input: " + writeError.get().getMessage() + ")"), tail(stderr));
        }
        if (out.isAlive()) {
            throw fail(domain, "exited but its stdout stayed open for " + DRAIN_MILLIS + " ms (a child process of "
                    + "the judge holds it?)", tail(stderr));
        }
        List<String> got;
        synchronized (lines) {
            got = List.copyOf(lines);
        }
        if (got.size() != generations.size()) {
            throw fail(domain, "wrote " + got.size() + " lines for " + generations.size() + " generations; expected "
                    + "exactly one line per input line", tail(stderr));
        }
        double[] scores = new double[got.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = parse(domain, i + 1, got.get(i), tail(stderr));
        }
        return scores;
    }

    private String input(String domain, List<Generation> generations) {
        StringBuilder in = new StringBuilder();
        for (Generation g : generations) {
            ObjectNode o = JSON.createObjectNode();
            o.put("domain", domain).put("prompt", g.prompt()).put("continuation", g.continuation());
            try {
                in.append(JSON.writeValueAsString(o)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a tree of strings always serialises", e);
            }
        }
        return in.toString();
    }

    private double parse(String domain, int lineNumber, String line, String stderr) {
        String expected = "expected a JSON number or an object {\"score\": <number>}";
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            node = null;
        }
        JsonNode number = node == null ? null : node.isObject() ? node.get("score") : node;
        if (number == null || !number.isNumber()) {
            throw fail(domain, "line " + lineNumber + " of its output: " + expected + " but got '" + abbreviate(line)
                    + "'", stderr);
        }
        double score = number.asDouble();
        if (!Double.isFinite(score)) {
            throw fail(domain, "line " + lineNumber + " of its output: expected a finite score but got '"
                    + abbreviate(line) + "' (= " + score + ")", stderr);
        }
        return score;
    }

    private JudgeException fail(String domain, String what, String stderr) {
        return new JudgeException("judge command " + command + " on domain '" + domain + "': " + what
                + (stderr.isBlank() ? "" : "; its stderr ended with: " + stderr.strip()));
    }

    private static void readLines(InputStream in, List<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // The process was killed or closed its stdout; what was read is judged by the caller.
        }
    }

    private static void readTail(InputStream in, StringBuffer tail) {
        try (InputStreamReader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            char[] buffer = new char[1024];
            for (int n = r.read(buffer); n >= 0; n = r.read(buffer)) {
                tail.append(buffer, 0, n);
                if (tail.length() > 2 * STDERR_KEPT) {
                    tail.delete(0, tail.length() - STDERR_KEPT);
                }
            }
        } catch (IOException e) {
            // As above: the tail read so far is what there is.
        }
    }

    private static String tail(StringBuffer stderr) {
        String s = stderr.toString();
        return s.length() <= STDERR_KEPT ? s : "..." + s.substring(s.length() - STDERR_KEPT);
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
