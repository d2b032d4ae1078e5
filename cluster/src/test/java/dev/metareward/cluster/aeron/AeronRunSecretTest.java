package dev.metareward.cluster.aeron;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AeronRunSecretTest {

    @Test
    void shouldReadAFileIgnoringOneTrailingLineBreak(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("secret"), "0123456789abcdefXYZ\n");
        RunSecret secret = RunSecret.resolve(Optional.of(file), "UNUSED_VARIABLE");
        assertArrayEquals("0123456789abcdefXYZ".getBytes(StandardCharsets.UTF_8), secret.bytes());
        // The source (a temp path of random digits) may contain "0123" by chance; the rest must not.
        assertFalse(secret.toString().replace(secret.source(), "").contains("0123"), "toString never shows the secret");
    }

    @Test
    void shouldNameAMissingFile(@TempDir Path tmp) {
        Path file = tmp.resolve("nope");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunSecret.fromFile(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());
    }

    @Test
    void shouldRejectAnEmptyOrShortSecretNamingItsSource(@TempDir Path tmp) throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunSecret.fromFile(empty));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains(empty.toString()), e.getMessage());
        IllegalArgumentException shortOne = assertThrows(IllegalArgumentException.class,
                () -> RunSecret.fromEnvironment("MR_SECRET", Map.of("MR_SECRET", "too-short")));
        assertTrue(shortOne.getMessage().contains("MR_SECRET") && shortOne.getMessage().contains("9 bytes")
                && shortOne.getMessage().contains("16"), shortOne.getMessage());
    }

    @Test
    void shouldNameAnUnsetVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunSecret.fromEnvironment("MR_SECRET", Map.of()));
        assertTrue(e.getMessage().contains("MR_SECRET") && e.getMessage().contains("not set"), e.getMessage());
        assertEquals(16, RunSecret.fromEnvironment("S", Map.of("S", "exactly-16-bytes")).length());
    }
}
