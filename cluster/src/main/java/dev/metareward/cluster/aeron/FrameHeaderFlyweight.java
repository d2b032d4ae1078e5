package dev.metareward.cluster.aeron;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The header of one data-plane frame fragment, as a flyweight over a reused buffer (no allocation per message). All
 * fields little-endian; the body (vector bytes of this fragment, little-endian elements) follows at
 * {@link #headerLength()}. The layout is the table in docs/DATA-PLANE.md:
 *
 * <pre>
 *   0  int     magic               "MRDP"
 *   4  short   version             2
 *   6  byte    type                1 contribution, 2 phi
 *   7  byte    dtype               1 float32, 2 float64
 *   8  short   header length       fixed part + variable part, a multiple of 8, at most 1024
 *  10  short   reserved            0
 *  12  int     fragment index      0 .. count - 1
 *  16  int     fragment count      >= 1
 *  20  int     fragment length     body bytes in this fragment
 *  24  long    fragment offset     byte offset of this body within the vector
 *  32  long    element count       of the whole vector
 *  40  long    phi version
 *  48  long    sequence            contribution: per-domain sequence; phi: broadcast sequence
 *  56  int     vector CRC32C       of the whole vector (VectorChecksum)
 *  60  int     reserved            0
 *  64  32 B    MAC                 HMAC-SHA256 over bytes [0, 64) + [96, header length) + NH digest of the body
 *                                   (FrameMac)
 *  96  double  outer loss          contribution; 0 for phi
 * 104  int     pairs               contribution; 0 for phi
 * 108  int     reserved            0
 * 112  var     run id (u16 length + UTF-8), domain (u16 + UTF-8, empty for phi), then
 *              contribution: data position (u16 length + bytes); phi: awaited domains (u16 count, each u16 + UTF-8)
 * </pre>
 */
public final class FrameHeaderFlyweight extends UnsafeBuffer {

    /** "MRDP" (MetaReward Data Plane) read as a little-endian int. */
    public static final int MAGIC = 'M' | 'R' << 8 | 'D' << 16 | 'P' << 24;
    /** The format version this build writes and reads. */
    public static final short VERSION = 2;
    /** Type of a contribution frame (worker to coordinator). */
    public static final byte TYPE_CONTRIBUTION = 1;
    /** Type of a phi broadcast (coordinator to every node). */
    public static final byte TYPE_PHI = 2;
    /** Elements are IEEE 754 float32. */
    public static final byte DTYPE_FLOAT32 = 1;
    /** Elements are IEEE 754 float64. */
    public static final byte DTYPE_FLOAT64 = 2;

    /** Offset of the magic (int). */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the format version (short). */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the frame type (byte). */
    public static final int TYPE_OFFSET = 6;
    /** Offset of the element type (byte). */
    public static final int DTYPE_OFFSET = 7;
    /** Offset of the header length (unsigned short). */
    public static final int HEADER_LENGTH_OFFSET = 8;
    /** Offset of the fragment index (int). */
    public static final int FRAGMENT_INDEX_OFFSET = 12;
    /** Offset of the fragment count (int). */
    public static final int FRAGMENT_COUNT_OFFSET = 16;
    /** Offset of the fragment's body length (int). */
    public static final int FRAGMENT_LENGTH_OFFSET = 20;
    /** Offset of the fragment's byte offset within the vector (long). */
    public static final int FRAGMENT_OFFSET_OFFSET = 24;
    /** Offset of the vector's element count (long). */
    public static final int ELEMENT_COUNT_OFFSET = 32;
    /** Offset of the phi version (long). */
    public static final int PHI_VERSION_OFFSET = 40;
    /** Offset of the sequence (long). */
    public static final int SEQUENCE_OFFSET = 48;
    /** Offset of the vector's CRC32C (unsigned int). */
    public static final int CRC_OFFSET = 56;
    /** Offset of the fragment's MAC (32 bytes, {@link FrameMac}). */
    public static final int MAC_OFFSET = 64;
    /** Length of the MAC. */
    public static final int MAC_LENGTH = 32;
    /** Offset of a contribution's outer loss (double). */
    public static final int OUTER_LOSS_OFFSET = 96;
    /** Offset of a contribution's pair count (int). */
    public static final int PAIRS_OFFSET = 104;
    /** Start of the variable part (run id, domain, type-specific strings). */
    public static final int VARIABLE_OFFSET = 112;
    /** Length of the fixed part. */
    public static final int FIXED_LENGTH = VARIABLE_OFFSET;
    /**
     * Upper bound of a header: it always fits into the first Aeron fragment of a message (MTU 1408 leaves 1376
     * payload bytes), so a receiver reads it without assembling.
     */
    public static final int MAX_HEADER_LENGTH = 1024;

    /** A flyweight wrapping nothing yet. */
    public FrameHeaderFlyweight() {
        super(new byte[0]);
    }

    /** Magic at offset 0. */
    public int magic() {
        return getInt(MAGIC_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the magic. */
    public FrameHeaderFlyweight magic(int value) {
        putInt(MAGIC_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Format version. */
    public short version() {
        return getShort(VERSION_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the format version. */
    public FrameHeaderFlyweight version(short value) {
        putShort(VERSION_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** {@link #TYPE_CONTRIBUTION} or {@link #TYPE_PHI}. */
    public byte type() {
        return getByte(TYPE_OFFSET);
    }

    /** Sets the frame type. */
    public FrameHeaderFlyweight type(byte value) {
        putByte(TYPE_OFFSET, value);
        return this;
    }

    /** {@link #DTYPE_FLOAT32} or {@link #DTYPE_FLOAT64}. */
    public byte dtype() {
        return getByte(DTYPE_OFFSET);
    }

    /** Sets the element type. */
    public FrameHeaderFlyweight dtype(byte value) {
        putByte(DTYPE_OFFSET, value);
        return this;
    }

    /** Bytes from the start of the header to the body. */
    public int headerLength() {
        return getShort(HEADER_LENGTH_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
    }

    /** Sets the header length. */
    public FrameHeaderFlyweight headerLength(int value) {
        putShort(HEADER_LENGTH_OFFSET, (short) value, LITTLE_ENDIAN);
        return this;
    }

    /** Index of this fragment among the vector's fragments. */
    public int fragmentIndex() {
        return getInt(FRAGMENT_INDEX_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the fragment index. */
    public FrameHeaderFlyweight fragmentIndex(int value) {
        putInt(FRAGMENT_INDEX_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Number of fragments of the vector. */
    public int fragmentCount() {
        return getInt(FRAGMENT_COUNT_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the fragment count. */
    public FrameHeaderFlyweight fragmentCount(int value) {
        putInt(FRAGMENT_COUNT_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Body bytes carried by this fragment. */
    public int fragmentLength() {
        return getInt(FRAGMENT_LENGTH_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the body length of this fragment. */
    public FrameHeaderFlyweight fragmentLength(int value) {
        putInt(FRAGMENT_LENGTH_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Byte offset of this fragment's body within the whole vector. */
    public long fragmentOffset() {
        return getLong(FRAGMENT_OFFSET_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the byte offset of this fragment's body. */
    public FrameHeaderFlyweight fragmentOffset(long value) {
        putLong(FRAGMENT_OFFSET_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Elements of the whole vector. */
    public long elementCount() {
        return getLong(ELEMENT_COUNT_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the element count. */
    public FrameHeaderFlyweight elementCount(long value) {
        putLong(ELEMENT_COUNT_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Phi version the contribution was computed with, or the version broadcast. */
    public long phiVersion() {
        return getLong(PHI_VERSION_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the phi version. */
    public FrameHeaderFlyweight phiVersion(long value) {
        putLong(PHI_VERSION_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Per-domain contribution sequence, or the broadcast sequence of a phi frame. */
    public long sequence() {
        return getLong(SEQUENCE_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the sequence. */
    public FrameHeaderFlyweight sequence(long value) {
        putLong(SEQUENCE_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** CRC32C of the whole vector as an unsigned 32-bit value. */
    public long crc() {
        return getInt(CRC_OFFSET, LITTLE_ENDIAN) & 0xFFFF_FFFFL;
    }

    /** Sets the vector's CRC32C (the low 32 bits of {@code value}). */
    public FrameHeaderFlyweight crc(long value) {
        putInt(CRC_OFFSET, (int) value, LITTLE_ENDIAN);
        return this;
    }

    /** Outer loss of a contribution. */
    public double outerLoss() {
        return getDouble(OUTER_LOSS_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the outer loss. */
    public FrameHeaderFlyweight outerLoss(double value) {
        putDouble(OUTER_LOSS_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Preference pairs of a contribution. */
    public int pairs() {
        return getInt(PAIRS_OFFSET, LITTLE_ENDIAN);
    }

    /** Sets the pair count. */
    public FrameHeaderFlyweight pairs(int value) {
        putInt(PAIRS_OFFSET, value, LITTLE_ENDIAN);
        return this;
    }

    /** Element size in bytes of {@code dtype}, or -1 for an unknown dtype. */
    public static int elementSize(byte dtype) {
        return switch (dtype) {
            case DTYPE_FLOAT32 -> Float.BYTES;
            case DTYPE_FLOAT64 -> Double.BYTES;
            default -> -1;
        };
    }
}
