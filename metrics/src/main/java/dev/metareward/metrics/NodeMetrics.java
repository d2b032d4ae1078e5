package dev.metareward.metrics;

import dev.metareward.config.MetricsSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of one metareward node: a Prometheus registry whose meters all carry the tags {@value TagKeys#RUN}
 * and {@value TagKeys#NODE}, JVM and process meters (memory, GC, threads, CPU, class loading, file descriptors,
 * uptime), the {@link TrainerMeters} helpers, and optionally an HTTP endpoint serving {@code /metrics} for
 * Prometheus to scrape. {@link #close()} stops the endpoint.
 */
public final class NodeMetrics implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final TrainerMeters meters;
    private final HTTPServer server;
    private final URI metricsUri;

    private NodeMetrics(PrometheusMeterRegistry registry, JvmGcMetrics gcMetrics, HTTPServer server, URI metricsUri) {
        this.registry = registry;
        this.gcMetrics = gcMetrics;
        this.meters = new TrainerMeters(registry);
        this.server = server;
        this.metricsUri = metricsUri;
    }

    /**
     * Creates the metrics of a node as configured: the endpoint listens on {@code metrics.host:metrics.port}, or
     * is not started when {@code metrics.port = 0}.
     *
     * @param runId the run id ({@code run.id}), exported as tag {@value TagKeys#RUN}
     * @param node  the node's name in dashboards, e.g. {@code coordinator} or {@code worker-1}, exported as tag
     *              {@value TagKeys#NODE}
     * @throws MetricsEndpointException when the endpoint cannot listen on the configured address
     */
    public static NodeMetrics create(MetricsSettings settings, String runId, String node) {
        Objects.requireNonNull(settings, "settings");
        if (settings.port() == 0) {
            return start(runId, node, null, 0);
        }
        return start(runId, node, settings.host(), settings.port());
    }

    /**
     * Creates the metrics of a node whose endpoint listens on {@code host} and a free port chosen by the operating
     * system (see {@link #metricsUri()}); for tests and tools that need a live endpoint without a fixed port.
     */
    public static NodeMetrics createOnEphemeralPort(String host, String runId, String node) {
        return start(runId, node, Objects.requireNonNull(host, "host"), 0);
    }

    private static NodeMetrics start(String runId, String node, String host, int port) {
        requireTagValue("run id (run.id)", runId);
        requireTagValue("node name", node);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Common tags must be configured before any meter is registered, binders included.
        registry.config().commonTags(TagKeys.RUN, runId, TagKeys.NODE, node);
        JvmGcMetrics gcMetrics = bindJvmAndProcessMeters(registry);
        if (host == null) {
            return new NodeMetrics(registry, gcMetrics, null, null);
        }
        try {
            HTTPServer server = HTTPServer.builder()
                    .hostname(host)
                    .port(port)
                    .registry(registry.getPrometheusRegistry())
                    .buildAndStart();
            URI uri = URI.create("http://" + uriHost(host) + ":" + server.getPort() + "/metrics");
            LOG.info("Serving Prometheus metrics of run {} node {} on {}", runId, node, uri);
            return new NodeMetrics(registry, gcMetrics, server, uri);
        } catch (IOException | RuntimeException e) {
            gcMetrics.close();
            registry.close();
            throw new MetricsEndpointException("Could not serve Prometheus metrics on " + host + ":" + port
                    + " (settings metrics.host and metrics.port): " + e.getMessage()
                    + ". Choose a free port, or set metrics.port = 0 to disable the endpoint.", e);
        }
    }

    private static JvmGcMetrics bindJvmAndProcessMeters(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    private static void requireTagValue(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("The " + what + " labels every metric of this node and must not be "
                    + "empty, but was " + (value == null ? "null" : "\"" + value + "\"") + ".");
        }
    }

    private static String uriHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Typed helpers recording the meters of {@link MeterCatalogue} in this node's registry. */
    public TrainerMeters meters() {
        return meters;
    }

    /** This node's registry, for components that bind their own Micrometer meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Where the endpoint serves metrics ({@code http://host:port/metrics}), or empty when it is disabled. */
    public Optional<URI> metricsUri() {
        return Optional.ofNullable(metricsUri);
    }

    /** The current metrics in the Prometheus text format, as the endpoint would serve them. */
    public String scrape() {
        return registry.scrape();
    }

    /** Stops the endpoint and releases the JVM listeners; meters recorded afterwards are discarded. */
    @Override
    public void close() {
        if (server != null) {
            server.close();
            LOG.debug("Stopped the Prometheus endpoint {}", metricsUri);
        }
        gcMetrics.close();
        registry.close();
    }
}
