package dev.metareward.cluster.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a soak reads: /proc memory, a Prometheus endpoint over real HTTP, outer-loss.tsv as it grows. */
class SoakProbesTest {

    @TempDir
    Path tmp;

    @Test
    void shouldReadThisProcesssResidentMemoryAndNothingForAMissingProcess() {
        long rss = ProcessMemory.residentBytes(ProcessHandle.current().pid()).orElseThrow();
        long heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(rss > 10L << 20 && rss > heapUsed / 4, "RSS " + rss + " of a running JVM");
        assertTrue(ProcessMemory.residentBytes(Long.MAX_VALUE).isEmpty());
        assertEquals(123456, ProcessMemory.parseKilobytes("VmRSS:\t  123456 kB"));
        assertThrows(IllegalArgumentException.class, () -> ProcessMemory.parseKilobytes("VmRSS: 12 MB"));
    }

    @Test
    void shouldReadTheOffHeapGaugeFromARealEndpointAndNotAPrefixedSeries() throws IOException {
        String body = """
                # HELP metareward_javacpp_total_bytes_max something else with the same prefix
                metareward_javacpp_total_bytes_max 999
                # TYPE metareward_javacpp_total_bytes gauge
                metareward_javacpp_total_bytes{node="coord"} 1.5E9
                jvm_memory_used_bytes{area="heap"} 12345
                """;
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        try {
            URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
            OffHeapProbe probe = new OffHeapProbe();
            assertEquals(1.5e9, probe.offHeapBytes(endpoint).orElseThrow(), 1);
            assertTrue(probe.offHeapBytes(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                    + "/nothing")).isEmpty());
        } finally {
            server.stop(0);
        }
        assertFalse(OffHeapProbe.valueOf("jvm_memory_used_bytes 1\n", OffHeapProbe.OFF_HEAP_SERIES)
                .isPresent());
    }

    @Test
    void shouldCountOnlyLinesAppendedAfterItStartedIncludingATornOneCompletedLater() throws IOException {
        Path file = tmp.resolve("outer-loss.tsv");
        Files.writeString(file, "1\t0.5\n2\t0.4\n");
        AppliedUpdates updates = new AppliedUpdates(file);
        assertEquals(0, updates.count());
        Files.writeString(file, "3\t0.3\n4\t0.", StandardOpenOption.APPEND);
        assertEquals(1, updates.count(), "the torn line is not complete yet");
        Files.writeString(file, "25\n", StandardOpenOption.APPEND);
        assertEquals(2, updates.count());
        assertEquals(4, updates.newestVersion());
    }
}
