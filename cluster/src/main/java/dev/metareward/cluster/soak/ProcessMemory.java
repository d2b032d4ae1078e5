package dev.metareward.cluster.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident memory of a process as the kernel counts it: VmRSS of /proc/PID/status (heap, ND4J's off-heap buffers,
 * Aeron's mapped terms once touched, code), so growth of any kind shows, not only the Java heap's.
 */
public final class ProcessMemory {

    private ProcessMemory() {
    }

    /** VmRSS of {@code pid} in bytes; empty when the process is gone or the system has no /proc. */
    public static OptionalLong residentBytes(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(parseKilobytes(line) * 1024);
                }
            }
            return OptionalLong.empty(); // a zombie has no VmRSS line
        } catch (IOException | RuntimeException gone) {
            return OptionalLong.empty();
        }
    }

    /** "VmRSS:   123456 kB" to 123456. */
    static long parseKilobytes(String line) {
        String[] fields = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        if (fields.length != 2 || !fields[1].equals("kB")) {
            throw new IllegalArgumentException("unexpected /proc status line '" + line + "' (expected 'VmRSS: N kB')");
        }
        return Long.parseLong(fields[0]);
    }
}
