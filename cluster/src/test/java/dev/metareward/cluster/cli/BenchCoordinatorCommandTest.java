package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metareward.tensors.bench.HostCpu;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(180)
class BenchCoordinatorCommandTest {

    @Test
    void shouldApplyContributionsOfTwoDomainCountsAndReportConsistentFigures() throws Exception {
        CliRun r = CliRun.of("bench", "coordinator", "--workload", "tiny", "--domains", "1,4", "--seconds", "2",
                "--warmup", "0.5", "--checkpoint-every", "1000", "--cost-seconds", "0.1", "--port",
                Integer.toString(42000 + (int) (ProcessHandle.current().pid() % 500) * 8));
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("coordinator", json.get("bench").asText());
        assertEquals(HostCpu.current().label(), json.get("cpu").asText(), "the processor the figures are from");
        assertEquals(8321, json.get("phi_length").asLong(), "the tiny workload's reward parameters");
        for (String cost : new String[] {"validate_us", "optimizer_us", "snapshot_us", "checkpoint_us", "mac_us",
            "crc_us", "checkpoint_wall_us"}) {
            assertTrue(json.get("costs").get(cost).asDouble() > 0, cost + " in " + json.get("costs"));
        }
        assertEquals(2, json.get("rows").size());
        for (JsonNode row : json.get("rows")) {
            long sent = row.get("sent").asLong();
            long applied = row.get("applied").asLong();
            long rejected = row.get("rejected").asLong();
            assertTrue(applied > 0, "no update applied: " + row);
            // Contributions sent before the window and still in flight at its start can be handled in it.
            assertTrue(applied + rejected <= sent + row.get("in_flight_at_start").asLong(),
                    "more handled than sent: " + row);
            long stalenessSum = 0;
            for (Iterator<JsonNode> it = row.get("staleness").elements(); it.hasNext(); ) {
                stalenessSum += it.next().asLong();
            }
            assertEquals(applied, stalenessSum, "every applied update has one staleness: " + row);
            assertEquals(applied, row.get("applied_per_s").asDouble() * row.get("seconds").asDouble(), 1e-6 * applied,
                    row.toString());
            double p50 = row.get("p50_ms").asDouble();
            double p99 = row.get("p99_ms").asDouble();
            double max = row.get("max_ms").asDouble();
            assertTrue(p50 > 0 && p50 <= p99 && p99 <= max, "latency quantiles out of order: " + row);
            assertTrue(row.get("coordinator_cpu_us_per_update").asDouble() > 0, row.toString());
        }
        JsonNode one = json.get("rows").get(0);
        assertEquals(0, one.get("rejected").asLong(), "one domain is never stale: " + one);
        assertTrue(r.out().contains("saturation:") && r.out().contains("applied/s"), r.out());
    }

    @Test
    void shouldRejectADomainCountOfZero() {
        CliRun r = CliRun.of("bench", "coordinator", "--domains", "0,4");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--domains") && r.err().contains("[0, 4]"), r.err());
    }
}
