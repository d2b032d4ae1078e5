package dev.metareward.tensors.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The processor a benchmark ran on, for its report: the model name and whether it has AVX-512, from
 * {@code /proc/cpuinfo}. Why: OpenBLAS picks its kernels by processor (AVX-512 ones ran the GEMMs at about twice
 * the speed of the AVX2 ones here, decision 63), so a figure without the processor it was measured on cannot be held
 * against another, e.g. the side-by-side comparison with another implementation.
 *
 * @param model the first "model name" ({@code os.arch} where there is no /proc/cpuinfo)
 * @param avx512 whether the flags list avx512f
 */
public record HostCpu(String model, boolean avx512) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** This machine's processor. */
    public static HostCpu current() {
        try {
            return parse(Files.readAllLines(CPUINFO));
        } catch (IOException | SecurityException e) {
            return new HostCpu(System.getProperty("os.arch"), false);
        }
    }

    /** The processor described by the lines of a {@code /proc/cpuinfo}. */
    static HostCpu parse(List<String> cpuinfo) {
        String model = field(cpuinfo, "model name").orElse(System.getProperty("os.arch"));
        boolean avx512 = field(cpuinfo, "flags").map(flags -> Arrays.asList(flags.split("\\s+")).contains("avx512f"))
                .orElse(false);
        return new HostCpu(model, avx512);
    }

    private static Optional<String> field(List<String> lines, String name) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return Optional.of(line.substring(colon + 1).trim());
            }
        }
        return Optional.empty();
    }

    /** "AMD EPYC, AVX-512" or "AMD EPYC, no AVX-512". */
    public String label() {
        return model + (avx512 ? ", AVX-512" : ", no AVX-512");
    }
}
