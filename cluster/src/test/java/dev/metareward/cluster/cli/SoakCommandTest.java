package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.cluster.soak.SoakFiles;
import dev.metareward.cluster.testing.LoopbackPorts;
import dev.metareward.cluster.testing.TinyRun;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** A one-minute soak of a real three-process run of the tiny model: the files and the verdict it ends with. */
class SoakCommandTest {

    // Kept when the test fails: nodes.log is there.
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    @Timeout(300)
    void shouldSampleEveryNodeForAMinuteAndWriteTheCsvThePlotAndAVerdict() throws Exception {
        LoopbackPorts ports = new LoopbackPorts();
        Path config = tmp.resolve("cluster.conf");
        StringBuilder nodes = new StringBuilder();
        String[][] nameAndRoles = {{"coord", "[\"coordinator\", \"evaluator\"]"}, {"worker-1", "[\"worker\"]"},
            {"worker-2", "[\"worker\"]"}};
        for (String[] node : nameAndRoles) {
            nodes.append("{ name = \"").append(node[0]).append("\", host = \"127.0.0.1\", port = ")
                    .append(ports.tcp()).append(", aeron-port = ").append(ports.udpPair()).append(", roles = ")
                    .append(node[1]).append(" }\n");
        }
        Files.writeString(config, """
                metareward {
                  run.id = "soak-test"
                  data { training-domains = ["books", "dvd", "electronics"], held-out-domains = ["kitchen"] }
                  training.mode = "async"
                  cluster { enabled = true, aeron.term-length = 1m, nodes = [
                %s] }
                }
                """.formatted(nodes));
        Path out = tmp.resolve("soak");
        List<String> args = new ArrayList<>(List.of("soak", "--config", config.toString(), "--minutes", "1",
                "--interval", "2", "--warmup-minutes", "0.25", "--out", out.toString(), "--metrics",
                "coord=http://127.0.0.1:" + ports.tcp() + "/metrics"));
        args.addAll(TinyRun.overrides(tmp.resolve("data"), tmp.resolve("run")));
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exitCode(), r.err() + r.out());

        List<String> csv = Files.readAllLines(out.resolve(SoakFiles.CSV));
        assertEquals(SoakFiles.HEADER, csv.get(0));
        int samples = (csv.size() - 1) / 3;
        assertEquals(1 + 3 * samples, csv.size(), "one row per node and sample");
        assertTrue(samples >= 20 && samples <= 31, samples + " samples of 2 s in a minute");
        Map<String, Long> pids = new HashMap<>();
        double lastSeconds = 0;
        long lastUpdates = 0;
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            double seconds = Double.parseDouble(f[0]);
            assertTrue(seconds >= lastSeconds && seconds <= 70, line);
            assertEquals(pids.computeIfAbsent(f[1], k -> Long.parseLong(f[2])), Long.parseLong(f[2]),
                    "no restart, so the same process all along: " + line);
            assertTrue(Double.parseDouble(f[3]) > 20, "RSS of a live JVM in MB: " + line);
            assertEquals("n/a", f[4], "no node serves metrics here: " + line);
            long updates = Long.parseLong(f[5]);
            assertTrue(updates >= lastUpdates, "cumulative updates never fall: " + line);
            lastSeconds = seconds;
            lastUpdates = updates;
        }
        assertEquals(3, pids.size(), pids.toString());
        assertTrue(lastSeconds >= 55, "the soak lasted its minute: " + lastSeconds);

        BufferedImage png = ImageIO.read(out.resolve(SoakFiles.PNG).toFile());
        assertTrue(png.getWidth() >= 800 && png.getHeight() >= 600, png.getWidth() + "x" + png.getHeight());
        assertTrue(Files.size(out.resolve("nodes.log")) > 0);

        String[] lines = r.out().strip().split("\n");
        String verdict = lines[lines.length - 1];
        assertTrue(verdict.matches("soak verdict: (PASS|CHECK): .*"), verdict);
        for (String node : List.of("coord", "worker-1", "worker-2")) {
            assertTrue(verdict.contains(node + " "), "the verdict names " + node + ": " + verdict);
        }
        assertTrue(verdict.contains("ND4J off-heap n/a") && verdict.contains("restarts 0"), verdict);
    }
}
