package dev.metareward.cluster.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link NhHash} on the {@code jdk.incubator.vector} API: per vector of 32-bit words, one key add per iteration
 * (lanes wrap mod 2^32), then the even/odd word pairs as 64-bit lanes multiplied low half by high half. Loaded only
 * when the module is present (see {@link NhHash#create}); gives the same digests as {@link NhHash.Scalar}.
 */
final class NhHashVector extends NhHash {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

    NhHashVector(int[][] keys) {
        super(keys);
        if (BLOCK_WORDS % INTS.length() != 0 || INTS.vectorBitSize() != LONGS.vectorBitSize()
                || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("vector shape " + INTS + " does not fit an NH block");
        }
    }

    @Override
    void blocks(ByteBuffer in, int offset, int blocks, ByteBuffer out, int outOffset) {
        int[] k0 = keys[0];
        int[] k1 = keys[1];
        int[] k2 = keys[2];
        int[] k3 = keys[3];
        int step = INTS.length();
        ByteBuffer o = out.order() == ByteOrder.LITTLE_ENDIAN ? out : out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < blocks; b++) {
            int base = offset + b * BLOCK_BYTES;
            LongVector a0 = LongVector.zero(LONGS);
            LongVector a1 = a0;
            LongVector a2 = a0;
            LongVector a3 = a0;
            for (int w = 0; w < BLOCK_WORDS; w += step) {
                IntVector m = IntVector.fromByteBuffer(INTS, in, base + w * 4, ByteOrder.LITTLE_ENDIAN);
                a0 = a0.add(product(m.add(IntVector.fromArray(INTS, k0, w))));
                a1 = a1.add(product(m.add(IntVector.fromArray(INTS, k1, w))));
                a2 = a2.add(product(m.add(IntVector.fromArray(INTS, k2, w))));
                a3 = a3.add(product(m.add(IntVector.fromArray(INTS, k3, w))));
            }
            int at = outOffset + b * DIGEST_BYTES;
            o.putLong(at, a0.reduceLanes(VectorOperators.ADD)).putLong(at + 8, a1.reduceLanes(VectorOperators.ADD))
                    .putLong(at + 16, a2.reduceLanes(VectorOperators.ADD))
                    .putLong(at + 24, a3.reduceLanes(VectorOperators.ADD));
        }
    }

    /** Each 64-bit lane holds (low: word 2i, high: word 2i+1); returns their unsigned 64-bit products. */
    private static LongVector product(IntVector sums) {
        LongVector pairs = (LongVector) sums.reinterpretAsLongs();
        return pairs.and(0xFFFF_FFFFL).mul(pairs.lanewise(VectorOperators.LSHR, 32));
    }
}
