package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metareward.tensors.bench.HostCpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class BenchTransportCommandTest {

    @Test
    void shouldPrintATableAndEndWithOneJsonObjectOfPositiveFigures() throws Exception {
        CliRun r = CliRun.of("bench", "transport", "--seconds", "0.2", "--repeats", "1", "--cases", "tiny,4mib",
                "--term-length", "4194304", "--port", Integer.toString(41000 + (int) (ProcessHandle.current().pid()
                        % 500) * 8));
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("transport", json.get("bench").asText());
        assertEquals(HostCpu.current().label(), json.get("cpu").asText(), "the processor the figures are from");
        assertEquals(2, json.get("cases").size());
        JsonNode tiny = json.get("cases").get(0);
        assertEquals(8321, tiny.get("elements").asLong(), "the tiny workload's reward parameters");
        assertEquals(1L << 20, json.get("cases").get(1).get("elements").asLong());
        for (JsonNode row : json.get("cases")) {
            for (String key : new String[] {"frames_per_s", "mb_per_s", "raw_frames_per_s", "raw_mb_per_s",
                    "ratio"}) {
                double value = row.get(key).asDouble();
                assertTrue(value > 0 && Double.isFinite(value), key + " = " + value + " in " + row);
            }
        }
        assertTrue(json.get("hmac_sha256_mb_per_s").asDouble() > 0, json.toString());
        assertTrue(r.out().contains("ours/raw") && r.out().contains("4 MiB"), r.out());
    }

    @Test
    void shouldRejectAnUnknownCase() {
        CliRun r = CliRun.of("bench", "transport", "--cases", "huge");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("huge") && r.err().contains("4mib"), r.err());
    }
}
