package dev.metareward.tensors.checkpoint;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one on-disk checkpoint layout: named, typed sections with a format version and a SHA-256 trailer.
 *
 * <pre>
 * magic "MRWDCKPT" (8 bytes) | format version (int) | section count (int)
 * per section: name (modified UTF-8) | type (byte) | payload bytes (long) | payload
 *              vectors: element count (long) then the elements (big-endian IEEE 754)
 * SHA-256 of everything above (32 bytes)
 * </pre>
 *
 * Files are written atomically ({@link AtomicFiles}) and the checksum is verified before any section is parsed, so a
 * torn or altered file is reported as a {@link CorruptCheckpointException}, never half-loaded.
 */
public final class CheckpointFile {

    /** Layout version written by this build; files with a larger version are refused. */
    public static final int FORMAT_VERSION = 1;

    private static final byte[] MAGIC = "MRWDCKPT".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

    /** Section payload types. */
    public enum Type { FLOAT64_VECTOR, FLOAT32_VECTOR, INT64, STRING, BYTES }

    private record Section(Type type, byte[] payload) {
    }

    private final Path source;
    private final Map<String, Section> sections = new LinkedHashMap<>();

    /** An empty checkpoint to fill with the put methods and then {@link #write(Path)}. */
    public CheckpointFile() {
        this(null);
    }

    private CheckpointFile(Path source) {
        this.source = source;
    }

    // ---- building -------------------------------------------------------------------------------------------

    /** Stores a flat vector in its own precision (float32 or float64). */
    public CheckpointFile putVector(String name, INDArray vector) {
        long n = vector.length();
        if (vector.dataType() == DataType.DOUBLE) {
            return putDoubles(name, n == 0 ? new double[0] : vector.toDoubleVector());
        }
        if (vector.dataType() == DataType.FLOAT) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(8 + 4 * n)).putLong(n);
            buffer.asFloatBuffer().put(n == 0 ? new float[0] : vector.toFloatVector());
            return put(name, Type.FLOAT32_VECTOR, buffer.array());
        }
        throw new IllegalArgumentException("section '" + name + "': only float32 and float64 vectors can be stored, not "
                + vector.dataType());
    }

    /** Stores a double[] (possibly empty) as a float64 vector. */
    public CheckpointFile putDoubles(String name, double[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(8 + 8L * values.length)).putLong(values.length);
        buffer.asDoubleBuffer().put(values);
        return put(name, Type.FLOAT64_VECTOR, buffer.array());
    }

    public CheckpointFile putLong(String name, long value) {
        return put(name, Type.INT64, ByteBuffer.allocate(8).putLong(value).array());
    }

    public CheckpointFile putString(String name, String value) {
        return put(name, Type.STRING, value.getBytes(StandardCharsets.UTF_8));
    }

    public CheckpointFile putBytes(String name, byte[] value) {
        return put(name, Type.BYTES, value.clone());
    }

    private CheckpointFile put(String name, Type type, byte[] payload) {
        if (sections.containsKey(name)) {
            throw new IllegalArgumentException("section '" + name + "' is already set");
        }
        sections.put(name, new Section(type, payload));
        return this;
    }

    // ---- reading --------------------------------------------------------------------------------------------

    /** Names of all sections in file order. */
    public Iterable<String> names() {
        return Collections.unmodifiableSet(sections.keySet());
    }

    public boolean has(String name) {
        return sections.containsKey(name);
    }

    /**
     * The vector named {@code name}, which must have {@code expectedLength} entries ({@code -1}: any).
     *
     * @param what what the vector is, for the error message (e.g. "phi of the reward model")
     * @throws CheckpointMismatchException naming the file, both lengths and what was expected
     */
    public INDArray vector(String name, long expectedLength, String what) {
        Section s = section(name);
        ByteBuffer buffer = ByteBuffer.wrap(s.payload);
        long n = buffer.getLong();
        if (expectedLength >= 0 && n != expectedLength) {
            throw new CheckpointMismatchException("checkpoint " + source + " holds " + name + " with " + n
                    + " entries but " + what + " has " + expectedLength + "; it was written for a different model shape "
                    + "(check the model settings or choose another checkpoint)");
        }
        if (n == 0) {
            return Nd4j.create(s.type == Type.FLOAT32_VECTOR ? DataType.FLOAT : DataType.DOUBLE, 0);
        }
        if (s.type == Type.FLOAT64_VECTOR) {
            return Nd4j.createFromArray(rawDoubles(buffer, n)).reshape(n);
        }
        if (s.type == Type.FLOAT32_VECTOR) {
            float[] values = new float[Math.toIntExact(n)];
            buffer.asFloatBuffer().get(values);
            return Nd4j.createFromArray(values).reshape(n);
        }
        throw wrongType(name, s.type, "a vector");
    }

    /** A float64 vector section (possibly empty) as double[]. */
    public double[] doubles(String name) {
        Section s = section(name);
        if (s.type != Type.FLOAT64_VECTOR) {
            throw wrongType(name, s.type, "a float64 vector");
        }
        ByteBuffer buffer = ByteBuffer.wrap(s.payload);
        return rawDoubles(buffer, buffer.getLong());
    }

    private static double[] rawDoubles(ByteBuffer buffer, long n) {
        double[] values = new double[Math.toIntExact(n)];
        buffer.asDoubleBuffer().get(values);
        return values;
    }

    public long getLong(String name) {
        Section s = section(name);
        if (s.type != Type.INT64) {
            throw wrongType(name, s.type, "an integer");
        }
        return ByteBuffer.wrap(s.payload).getLong();
    }

    public String getString(String name) {
        Section s = section(name);
        if (s.type != Type.STRING) {
            throw wrongType(name, s.type, "a string");
        }
        return new String(s.payload, StandardCharsets.UTF_8);
    }

    public byte[] getBytes(String name) {
        Section s = section(name);
        if (s.type != Type.BYTES) {
            throw wrongType(name, s.type, "bytes");
        }
        return s.payload.clone();
    }

    private Section section(String name) {
        Section s = sections.get(name);
        if (s == null) {
            throw new CheckpointMismatchException("checkpoint " + source + " has no section '" + name + "'; it holds "
                    + sections.keySet());
        }
        return s;
    }

    private CheckpointMismatchException wrongType(String name, Type actual, String expected) {
        return new CheckpointMismatchException("checkpoint " + source + ": section '" + name + "' is " + actual
                + ", expected " + expected);
    }

    // ---- files ----------------------------------------------------------------------------------------------

    /** Writes all sections to {@code path} atomically (temp file, fsync, rename). */
    public void write(Path path) throws IOException {
        AtomicFiles.write(path, this::writeTo);
    }

    private void writeTo(OutputStream raw) throws IOException {
        MessageDigest digest = sha256();
        BufferedOutputStream buffered = new BufferedOutputStream(raw, 1 << 16);
        DataOutputStream out = new DataOutputStream(new DigestOutputStream(buffered, digest));
        out.write(MAGIC);
        out.writeInt(FORMAT_VERSION);
        out.writeInt(sections.size());
        for (Map.Entry<String, Section> e : sections.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeByte(e.getValue().type.ordinal());
            out.writeLong(e.getValue().payload.length);
            out.write(e.getValue().payload);
        }
        out.flush();
        buffered.write(digest.digest());
        buffered.flush();
    }

    /**
     * Reads and verifies {@code path}.
     *
     * @throws CorruptCheckpointException when the file is truncated, its checksum fails or its structure is broken
     * @throws CheckpointMismatchException when it was written by a newer format version
     */
    public static CheckpointFile read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_FILE_BYTES) {
            throw new IOException("checkpoint " + path + " has " + size + " bytes, more than this reader supports ("
                    + MAX_FILE_BYTES + ")");
        }
        byte[] bytes = Files.readAllBytes(path);
        if (bytes.length < MAGIC.length + 8 + DIGEST_BYTES) {
            throw new CorruptCheckpointException("checkpoint " + path + " has only " + bytes.length + " bytes: it is "
                    + "truncated (a torn write?)");
        }
        if (!Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new CorruptCheckpointException("checkpoint " + path + " does not start with the metareward checkpoint "
                    + "marker: not a checkpoint, or its first bytes were overwritten");
        }
        int body = bytes.length - DIGEST_BYTES;
        MessageDigest digest = sha256();
        digest.update(bytes, 0, body);
        byte[] expected = Arrays.copyOfRange(bytes, body, bytes.length);
        if (!MessageDigest.isEqual(digest.digest(), expected)) {
            throw new CorruptCheckpointException("checkpoint " + path + " fails its SHA-256 check: the file is torn or "
                    + "was altered after writing");
        }
        ByteArrayInputStream stream = new ByteArrayInputStream(bytes, MAGIC.length, body - MAGIC.length);
        DataInputStream in = new DataInputStream(stream);
        CheckpointFile file = new CheckpointFile(path);
        try {
            int version = in.readInt();
            if (version < 1 || version > FORMAT_VERSION) {
                throw new CheckpointMismatchException("checkpoint " + path + " has format version " + version
                        + " but this build reads versions 1 to " + FORMAT_VERSION + "; use a newer metareward");
            }
            int count = in.readInt();
            for (int k = 0; k < count; k++) {
                String name = in.readUTF();
                int type = in.readByte();
                long length = in.readLong();
                if (type < 0 || type >= Type.values().length || length < 0 || length > stream.available()) {
                    throw new CorruptCheckpointException("checkpoint " + path + ": section '" + name + "' has type "
                            + type + " and length " + length + ", which the file cannot hold");
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                file.sections.put(name, new Section(Type.values()[type], payload));
            }
            if (stream.available() > 0) {
                throw new CorruptCheckpointException("checkpoint " + path + " has " + stream.available()
                        + " unexpected bytes after its last section");
            }
        } catch (EOFException | UTFDataFormatException e) {
            throw new CorruptCheckpointException("checkpoint " + path + " ends inside a section header or has a "
                    + "malformed section name");
        }
        return file;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
