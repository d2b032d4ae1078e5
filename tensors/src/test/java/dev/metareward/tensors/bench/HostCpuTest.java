package dev.metareward.tensors.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostCpuTest {

    @Test
    void shouldTakeTheFirstModelNameAndFindAvx512AmongTheFlags() {
        HostCpu cpu = HostCpu.parse(List.of("processor\t: 0", "model name\t: AMD EPYC 9B14",
                "flags\t\t: fpu sse avx2 avx512f avx512bw", "processor\t: 1", "model name\t: other"));
        assertEquals("AMD EPYC 9B14", cpu.model());
        assertTrue(cpu.avx512());
        assertEquals("AMD EPYC 9B14, AVX-512", cpu.label());
    }

    @Test
    void shouldNotMistakeAnotherAvx512FlagForAvx512Foundation() {
        HostCpu cpu = HostCpu.parse(List.of("model name : Some CPU", "flags : sse avx2 avx512_vnni"));
        assertFalse(cpu.avx512());
        assertEquals("Some CPU, no AVX-512", cpu.label());
    }

    @Test
    void shouldFallBackToTheArchitectureWithoutAModelName() {
        assertEquals(System.getProperty("os.arch"), HostCpu.parse(List.of("processor : 0")).model());
    }
}
