package dev.metareward.cluster.aeron;

import static dev.metareward.cluster.aeron.DataPlaneTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.metareward.config.AeronSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** The media driver directory fails at start with a message naming it and the bytes needed. */
@Timeout(30)
class AeronDriverDirectoryTest {

    private static AeronTransportSettings settings(Path dir, int termLength, int nodeCount) {
        AeronTransportSettings.Node node = new AeronTransportSettings.Node("n1", "127.0.0.1", ports());
        return AeronTransportSettings.udp(RUN, SECRET, node, List.of(node), true, nodeCount, 16, DataType.FLOAT,
                new AeronSettings(Optional.of(dir.toString()), false, termLength, 8192));
    }

    private static MediaDriverDirectoryException startFails(AeronTransportSettings settings) {
        return assertThrows(MediaDriverDirectoryException.class, () -> AeronTransport.start(settings).close());
    }

    @Test
    void shouldNameADirectoryThatCannotBeCreated(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path dir = file.resolve("driver");
        MediaDriverDirectoryException e = startFails(settings(dir, TERM, 2));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("cannot be created"),
                e.getMessage());
        long needed = 3L * TERM * (2 + 1 + 2) + DriverDirectory.DRIVER_OVERHEAD_BYTES;
        assertEquals(needed, e.bytesNeeded());
        assertTrue(e.getMessage().contains(Long.toString(needed)), e.getMessage());
    }

    @Test
    void shouldNameAnUnwritableDirectory(@TempDir Path tmp) throws IOException {
        Path dir;
        if (isRoot()) {
            dir = Path.of("/proc"); // root writes anywhere except file systems like procfs
            assumeTrue(Files.isDirectory(dir));
        } else {
            dir = Files.createDirectory(tmp.resolve("read-only"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        MediaDriverDirectoryException e = startFails(settings(dir, TERM, 1));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("not writable")
                && e.getMessage().contains(e.bytesNeeded() + " bytes"), e.getMessage());
    }

    @Test
    void shouldNameTheBytesNeededWhenTheFileSystemIsTooSmall() {
        Path dir = driverDir("too-small");
        try {
            // 1 GiB terms for 3000 nodes' images: terabytes, more than any test machine's /dev/shm.
            MediaDriverDirectoryException e = startFails(settings(dir, 1 << 30, 3000));
            assertTrue(e.bytesNeeded() > 3L * (1 << 30) * 3000, "counts every image");
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("bytes free but needs "
                    + e.bytesNeeded() + " bytes") && e.getMessage().contains("term-length"), e.getMessage());
        } finally {
            dir.toFile().delete();
        }
    }

    @Test
    void shouldRefuseADirectoryHoldingOtherFiles(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("notes.txt"), "mine");
        MediaDriverDirectoryException e = startFails(settings(tmp, TERM, 1));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains(tmp.toString()), e.getMessage());
        assertTrue(Files.exists(tmp.resolve("notes.txt")), "nothing was deleted");
    }

    @Test
    void shouldSayWhenNoExternalDriverRuns(@TempDir Path tmp) {
        AeronTransportSettings s = settings(tmp, TERM, 1);
        AeronTransportSettings external = new AeronTransportSettings(s.runId(), s.secret(), s.localNode(),
                s.coordinatorNodes(), true, 1, 16, DataType.FLOAT,
                new AeronSettings(Optional.of(tmp.toString()), true, TERM, 8192), false, s.reassemblyTimeout(),
                s.maxFragmentBytes());
        MediaDriverDirectoryException e = startFails(external);
        assertTrue(e.getMessage().contains("no media driver runs at " + tmp), e.getMessage());
    }

    private static boolean isRoot() {
        try {
            return "root".equals(Files.getOwner(Path.of(System.getProperty("user.home"))).getName())
                    && "root".equals(System.getProperty("user.name"));
        } catch (IOException e) {
            return false;
        }
    }
}
