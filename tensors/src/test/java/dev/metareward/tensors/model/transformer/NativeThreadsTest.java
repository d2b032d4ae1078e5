package dev.metareward.tensors.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.DeviceSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A CPU-engine model with one thread per call leaves BLAS and ND4J single-threaded (decision 72): three domain workers
 * of one JVM on two-threaded pools took 3.4x as long. Checked in a fresh JVM, since the setting is process-wide and
 * any earlier test's model would already have made it.
 */
class NativeThreadsTest {

    /** Run in the fresh JVM: the limits before and after creating a one-thread CPU-engine model. */
    public static final class Probe {
        public static void main(String[] args) {
            String before = limits();
            TransformerModel.create(TinyModels.SHAPE, DataType.FLOAT, 0.3, 1, DeviceSettings.Engine.CPU_KERNELS, 1);
            System.out.println("native threads before " + before + " after " + limits());
        }

        private static String limits() {
            return "blas=" + Nd4j.factory().blas().getMaxThreads() + " master="
                    + Nd4j.getEnvironment().maxMasterThreads();
        }
    }

    @Test
    void shouldRunBlasAndNd4jSingleThreadedAtOneThreadPerCall() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir", ""),
                "--add-modules", "jdk.incubator.vector", Probe.class.getName())
                .redirectErrorStream(true).start();
        // The probe prints a few lines, far below a pipe's buffer, so waiting before reading cannot block it.
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish in 120 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        String line = output.lines().filter(l -> l.startsWith("native threads before")).findFirst()
                .orElseThrow(() -> new AssertionError("no probe line in:\n" + output));
        // On more than one processor "before" shows the multi-threaded defaults the model replaced (blas=2 master=2
        // on the 2-vCPU machines here). ND4J's Environment.maxThreads() is not checked: setMaxThreads leaves it at
        // the processor count in ND4J 1.0.0-M2.1.
        assertTrue(line.endsWith(" after blas=1 master=1"), line);
    }
}
