package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Prometheus server (Debian package {@code prometheus}) run as a child process for one test: it scrapes its
 * targets every second, keeps its data in a temporary folder, listens on a free loopback port and is always
 * killed by {@link #close()} (and by a shutdown hook if the test JVM exits first).
 */
public final class PrometheusServer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    public static final String JOB = "metareward";

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusServer.class);

    private final Process process;
    private final Path log;
    private final URI queryApi;
    private final Thread killOnExit;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();

    private PrometheusServer(Process process, Path log, URI queryApi) {
        this.process = process;
        this.log = log;
        this.queryApi = queryApi;
        this.killOnExit = new Thread(process::destroyForcibly, "kill-prometheus-" + process.pid());
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Fails (never skips) when the binary is missing, with the command that installs it. */
    public static void requireInstalled() {
        assertTrue(Files.isExecutable(BINARY), "This test needs a real Prometheus server at " + BINARY
                + " but it is missing. Install it with: apt-get update && apt-get install -y prometheus");
    }

    /** Starts Prometheus scraping {@code target} (an http://host:port/path URI) every second. */
    public static PrometheusServer start(URI target, Path dir) throws IOException {
        return start(List.of(target), dir);
    }

    /** Starts Prometheus scraping every target (http://host:port URIs with one common path) every second. */
    public static PrometheusServer start(List<URI> targets, Path dir) throws IOException {
        requireInstalled();
        Files.createDirectories(dir);
        URI target = targets.get(0);
        String hostPorts = String.join(", ", targets.stream()
                .map(t -> "\"" + t.getHost() + ":" + t.getPort() + "\"").toList());
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: %s
                    metrics_path: %s
                    static_configs:
                      - targets: [%s]
                """.formatted(JOB, target.getPath(), hostPorts));
        int port = freeLoopbackPort();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(List.of(BINARY.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        LOG.info("Started Prometheus (pid {}) on 127.0.0.1:{} scraping {}", process.pid(), port, targets);
        return new PrometheusServer(process, log, URI.create("http://127.0.0.1:" + port + "/api/v1/query"));
    }

    /** Runs an instant query once; returns the whole JSON answer, or null while Prometheus is not ready or too slow. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        if (!process.isAlive()) {
            fail("Prometheus exited with code " + process.exitValue() + "; its log:\n" + logTail());
        }
        URI uri = URI.create(queryApi + "?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 503) {
                return null; // "Service Unavailable" while it starts up (loading its storage)
            }
            return json.readTree(response.body());
        } catch (java.net.ConnectException | java.net.http.HttpTimeoutException notListeningOrTooBusy) {
            return null; // await() retries; a single query() reports it as no answer
        }
    }

    /** Polls {@code promql} until its answer satisfies {@code done} or the deadline passes (then fails). */
    public JsonNode await(String promql, Predicate<JsonNode> done, Instant deadline) throws Exception {
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            last = query(promql);
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(250);
        }
        return fail("Prometheus gave no satisfying answer to " + promql + " before the deadline; last answer: "
                + last + "\nPrometheus log:\n" + logTail());
    }

    /** Polls until {@code promql} returns exactly one series, and returns its value. */
    public double awaitSingleValue(String promql, Instant deadline) throws Exception {
        JsonNode answer = await(promql, a -> a.path("data").path("result").size() == 1, deadline);
        // An instant vector sample is [unix time, "value as a string"].
        return Double.parseDouble(answer.path("data").path("result").get(0).path("value").get(1).asText());
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().removeShutdownHook(killOnExit);
        LOG.info("Prometheus (pid {}) stopped, alive = {}", process.pid(), process.isAlive());
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
