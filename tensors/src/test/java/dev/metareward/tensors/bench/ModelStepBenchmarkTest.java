package dev.metareward.tensors.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the benchmark's code path briefly so that its main method cannot rot. */
class ModelStepBenchmarkTest {

    @Test
    void shouldTimeEveryPhaseAndTheGemmPeak() {
        ModelStepBenchmark.Result result = ModelStepBenchmark.run(3, 1);
        assertEquals(5, result.timings().size());
        result.timings().forEach(t -> assertTrue(t.minMs() > 0 && t.minMs() <= t.medianMs() && t.medianMs() <= t.maxMs(),
                t.toString()));
        assertTrue(result.gemmPeakGflops() > 1, "GEMM peak " + result.gemmPeakGflops());
        assertTrue(result.innerStepGflop() > 1.0 && result.innerStepGflop() < 2.0,
                "GFLOP per inner step " + result.innerStepGflop());
        assertTrue(result.kernelMsPerInnerStep().get("gelu") > 0);
    }
}
