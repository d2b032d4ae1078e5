package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.metareward.config.ConfigError;
import dev.metareward.config.MetarewardConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {

    @TempDir
    Path tmp;

    private static MetarewardConfig config(Path dir, String extra) {
        return MetarewardConfig.fromConfig(ConfigFactory.parseString("metareward.data { dir = \""
                + dir.toString().replace("\\", "\\\\") + "\"\n builtin.sft-per-domain = 40\n"
                + " builtin.pref-per-domain = 20\n" + extra + " }"));
    }

    @Test
    void shouldGenerateTheBuiltinSetWhenMissingAndLoadIt() {
        Path dir = tmp.resolve("generated");
        MultiDomainData data = DataSets.loadOrGenerate(config(dir, ""));
        assertTrue(Files.isRegularFile(dir.resolve("sft.jsonl")));
        assertEquals(Set.of("books", "dvd", "electronics", "kitchen"), data.domains());
        DomainData books = data.domain("books");
        assertEquals(40, books.sftTrain().size() + books.sftEval().size());
        assertEquals(20, books.prefTrain().size() + books.prefEval().size());
    }

    @Test
    void shouldNameTheDataDirWhenGenerationIsOff() {
        Path dir = tmp.resolve("absent");
        ConfigError e = assertThrows(ConfigError.class,
                () -> DataSets.loadOrGenerate(config(dir, "generate-if-missing = false")));
        assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("generate-if-missing"), e.getMessage());
    }

    @Test
    void shouldRejectAConfiguredDomainThatTheDataLacks() throws Exception {
        Path dir = tmp.resolve("two");
        Files.createDirectories(dir);
        Files.write(dir.resolve("sft.jsonl"), List.of(
                "{\"domain\":\"books\",\"prompt\":\"the plot is\",\"response\":\" superb\"}"));
        Files.write(dir.resolve("pref.jsonl"), List.of(
                "{\"domain\":\"books\",\"prompt\":\"the plot is\",\"chosen\":\" superb\",\"rejected\":\" dull\"}"));
        ConfigError e = assertThrows(ConfigError.class, () -> DataSets.loadOrGenerate(config(dir,
                "training-domains = [books]\n held-out-domains = [kitchen]")));
        assertTrue(e.getMessage().contains("[kitchen]"), e.getMessage());
    }

    @Test
    void shouldTreatALineOfAnUnconfiguredDomainAsABadLine() throws Exception {
        Path dir = tmp.resolve("generated");
        DataSets.loadOrGenerate(config(dir, "")); // writes all four built-in domains
        DataFormatException e = assertThrows(DataFormatException.class, () -> DataSets.loadOrGenerate(config(dir,
                "training-domains = [dvd, electronics]\n held-out-domains = [kitchen]")));
        assertEquals(BadLineReason.UNKNOWN_DOMAIN, e.reason());
        MultiDomainData skipped = DataSets.loadOrGenerate(config(dir,
                "training-domains = [dvd, electronics]\n held-out-domains = [kitchen]\n on-bad-line = skip"));
        assertEquals(Set.of("dvd", "electronics", "kitchen"), skipped.domains());
        assertEquals(60, skipped.loadReport().skipped(BadLineReason.UNKNOWN_DOMAIN));
    }
}
