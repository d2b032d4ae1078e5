package dev.metareward.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Grafana cannot run here, so its provisioning in docker/ is checked against what it refers to: the datasource
 * is the one the dashboard names (uid and name), its URL is the compose file's Prometheus service on the port that
 * Prometheus listens on, the dashboard provider reads the folder the compose file mounts the dashboard into, and
 * the datasource's scrape interval is Prometheus'. A renamed service, uid, port or mount fails here, not in a
 * user's empty Grafana.
 */
class GrafanaProvisioningTest {

    // Surefire runs in the module folder; the files live in the repository's docker/ folder.
    private static final Path DOCKER = Path.of("..", "docker");
    private static final Path DASHBOARD_DIR = DOCKER.resolve("grafana/dashboards");
    private static final String PROVISIONING_MOUNT = "/etc/grafana/provisioning";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode yaml(String file) throws IOException {
        Path path = DOCKER.resolve(file);
        assertTrue(Files.isRegularFile(path), "missing " + path.toAbsolutePath());
        return YAML.readTree(path.toFile());
    }

    /** The one Prometheus datasource of the provisioning. */
    private static JsonNode datasource() throws IOException {
        JsonNode sources = yaml("grafana/provisioning/datasources/prometheus.yml").path("datasources");
        assertEquals(1, sources.size(), "one provisioned datasource");
        JsonNode source = sources.get(0);
        assertEquals("prometheus", source.path("type").asText(), "datasource type");
        return source;
    }

    private static JsonNode service(String name) throws IOException {
        JsonNode service = yaml("docker-compose.yml").path("services").path(name);
        assertTrue(service.isObject(), "docker-compose.yml has no service '" + name + "'");
        return service;
    }

    /** The container side of a compose volume entry {@code source:target[:mode]} whose source is {@code source}. */
    private static String mountTarget(JsonNode service, String source) {
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts[0].equals(source)) {
                return parts[1];
            }
        }
        throw new AssertionError("grafana service does not mount " + source);
    }

    @Test
    void datasourceIsTheOneTheDashboardNames() throws IOException {
        JsonNode source = datasource();
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD_DIR.resolve("metareward.json").toFile());
        JsonNode variable = null;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("datasource")) {
                variable = v;
            }
        }
        assertTrue(variable != null, "the dashboard has no datasource variable");
        assertEquals(source.path("type").asText(), variable.path("query").asText(), "datasource variable type");
        assertEquals(source.path("uid").asText(), variable.path("current").path("value").asText(),
                "the dashboard's default datasource uid");
        assertEquals(source.path("name").asText(), variable.path("current").path("text").asText(),
                "the dashboard's default datasource name");

        String allowed = "${" + variable.path("name").asText() + "}";
        List<String> wrong = new ArrayList<>();
        for (JsonNode node : dashboard.findValues("datasource")) {
            String uid = node.path("uid").asText(allowed);
            if (node.isObject() && !uid.equals(allowed) && !uid.equals(source.path("uid").asText())) {
                wrong.add(uid);
            }
        }
        assertEquals(List.of(), wrong, "panels naming a datasource that is neither the variable nor the provisioned uid");
    }

    @Test
    void datasourceUrlIsTheComposePrometheusService() throws IOException {
        URI url = URI.create(datasource().path("url").asText());
        JsonNode prometheus = service(url.getHost());
        List<String> ports = new ArrayList<>();
        prometheus.path("ports").forEach(p -> ports.add(p.asText()));
        assertTrue(ports.stream().anyMatch(p -> p.endsWith(":" + url.getPort())),
                "service '" + url.getHost() + "' publishes container port " + url.getPort() + ": " + ports);
        String dockerfile = prometheus.path("build").path("dockerfile").asText();
        String build = Files.readString(DOCKER.resolve("..").resolve(dockerfile));
        assertTrue(build.contains("--web.listen-address=:" + url.getPort()),
                dockerfile + " makes Prometheus listen on port " + url.getPort());
        List<String> dependsOn = new ArrayList<>();
        service("grafana").path("depends_on").forEach(d -> dependsOn.add(d.asText()));
        assertTrue(dependsOn.contains(url.getHost()), "grafana depends on " + url.getHost());
    }

    @Test
    void datasourceIntervalIsPrometheusScrapeInterval() throws IOException {
        assertEquals(yaml("prometheus.yml").path("global").path("scrape_interval").asText(),
                datasource().path("jsonData").path("timeInterval").asText(),
                "Grafana's timeInterval must be the scrape interval, or $__rate_interval covers too few scrapes");
    }

    @Test
    void providerReadsTheFolderComposeMountsTheDashboardInto() throws IOException {
        JsonNode grafana = service("grafana");
        assertEquals(PROVISIONING_MOUNT, mountTarget(grafana, "./grafana/provisioning"), "provisioning mount");
        String dashboards = mountTarget(grafana, "./grafana/dashboards");
        JsonNode providers = yaml("grafana/provisioning/dashboards/metareward.yml").path("providers");
        assertEquals(1, providers.size(), "one dashboard provider");
        assertEquals(dashboards, providers.get(0).path("options").path("path").asText(), "provider path");

        String home = grafana.path("environment").path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
        assertTrue(home.startsWith(dashboards + "/"), "home dashboard " + home + " is under " + dashboards);
        Path homeFile = DASHBOARD_DIR.resolve(home.substring(dashboards.length() + 1));
        assertTrue(Files.isRegularFile(homeFile), "home dashboard " + home + " is " + homeFile + " in docker/");
    }
}
