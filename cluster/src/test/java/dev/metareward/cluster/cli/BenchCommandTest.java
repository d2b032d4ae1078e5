package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** Asserts a successful run and returns its last output line, which must be one JSON object. */
    private static JsonNode jsonLine(CliRun r) throws Exception {
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void shouldPrintATableAndEndWithOneJsonObjectOfPositiveFigures() throws Exception {
        CliRun r = run("bench", "--workload", "tiny", "--repeats", "1", "--warmup", "0", "--inner-steps", "2");
        JsonNode json = jsonLine(r);
        assertEquals("tiny", json.get("workload").asText());
        assertEquals(2, json.get("inner_steps").asInt());
        assertEquals("cpu-kernels", json.get("engine").asText(), "AUTO on the CPU backend");
        for (String key : List.of("meta_step_s", "inner_step_s", "tokens_per_s", "gflops", "gemm_peak_gflops",
                "inner_step_ratio", "meta_step_ratio", "pytorch_meta_step_s", "reward_pass_s", "policy_step_s",
                "policy_step_gflop")) {
            assertTrue(json.hasNonNull(key) && json.get(key).isNumber(), key + " missing or not a number: " + json);
            double value = json.get(key).asDouble();
            assertTrue(value > 0 && Double.isFinite(value), key + " = " + value);
        }
        // The meta step holds D = 2 inner steps and a hypergradient: it cannot be faster than one inner step.
        assertTrue(json.get("meta_step_s").asDouble() > json.get("inner_step_s").asDouble(), json.toString());
        assertEquals(1.14 * 2 / 50, json.get("pytorch_meta_step_s").asDouble(), 1e-12);
        // The policy step is the inner step without its reward forward: less work, and less time than the whole.
        assertTrue(json.get("policy_step_gflop").asDouble() < json.get("inner_step_gflop").asDouble(), json.toString());
        assertTrue(json.get("policy_step_s").asDouble() < json.get("inner_step_s").asDouble(), json.toString());
        assertTrue(r.out().contains("reward pass") && r.out().contains("policy step"), r.out());
        // Figures name the processor they were measured on, in the table and the JSON line alike.
        String cpu = json.get("cpu").asText();
        assertTrue(!cpu.isBlank() && r.out().contains("(" + cpu + ")"), cpu + " / " + r.out());
        // The quoted PyTorch figures never appear without when and where they were measured.
        String label = json.get("pytorch_reference").asText();
        assertTrue(label.contains("2026-11-26") && label.contains("AMD EPYC")
                && label.contains("not measured in this run"), label);
        assertTrue(r.out().contains("+ " + label), r.out());
        assertTrue(r.out().contains("meta step") && r.out().contains("inner step") && r.out().contains("GEMM peak"),
                r.out());
        // Progress of every phase is reported on stderr (log lines when not on a terminal).
        assertTrue(r.err().contains("meta steps") && r.err().contains("inner steps"), r.err());
    }

    @Test
    void shouldRejectAnUnknownWorkloadNamingTheKnownOnes() {
        CliRun r = run("bench", "--workload", "huge", "--repeats", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("huge") && r.err().contains("tiny") && r.err().contains("small"), r.err());
    }

    @Test
    void shouldTimeTheDeviceEngineWhenAskedTo() throws Exception {
        CliRun r = run("bench", "--engine", "nd4j", "--repeats", "1", "--warmup", "0", "--inner-steps", "1");
        JsonNode json = jsonLine(r);
        assertEquals("nd4j", json.get("engine").asText());
        assertEquals(false, json.get("simd_kernels").asBoolean());
        assertTrue(r.out().contains("engine nd4j"), r.out());
        assertTrue(json.get("inner_step_s").asDouble() > 0, json.toString());
    }

    @Test
    void shouldRejectAnUnknownEngine() {
        CliRun r = run("bench", "--engine", "gpu", "--repeats", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--engine") && r.err().contains("nd4j"), r.err());
    }

    @Test
    void shouldRejectZeroRepeats() {
        CliRun r = run("bench", "--repeats", "0");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--repeats"), r.err());
    }
}
