package dev.metareward.cluster.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * CI builds only the CPU backend; {@code -Pcuda} replaces nd4j-native with nd4j-cuda, so a main class that names a
 * class of nd4j-native compiles here and breaks the GPU build. This catches it without the CUDA natives (600 MB).
 */
class BackendNeutralSourcesTest {
    private static final String CPU_BACKEND_PACKAGE = "org.nd4j.linalg.cpu.nativecpu";
    /** The package named in code (an import or a qualified name), not as a string literal's start. */
    private static final Pattern NAMED_IN_CODE = Pattern.compile("(?<![\"\\w.])" + Pattern.quote(CPU_BACKEND_PACKAGE)
            + "\\b");

    @Test
    void shouldKeepTheMainSourcesFreeOfCpuBackendClasses() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<Path> mainSources = Stream.of("config", "metrics", "tensors", "actors", "cluster")
                .map(module -> root.resolve(module).resolve("src/main/java")).toList();
        assertTrue(mainSources.stream().allMatch(Files::isDirectory), "run from a module folder of the reactor: "
                + mainSources);
        List<String> offenders;
        try (Stream<Path> files = mainSources.stream().flatMap(BackendNeutralSourcesTest::javaFiles)) {
            offenders = files.filter(file -> NAMED_IN_CODE.matcher(read(file)).find()).map(root::relativize)
                    .map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders, "these main sources name " + CPU_BACKEND_PACKAGE
                + " (absent with -Pcuda); reach it through the backend-neutral API or a method handle");
    }

    private static Stream<Path> javaFiles(Path dir) {
        try {
            return Files.walk(dir).filter(p -> p.toString().endsWith(".java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
