package dev.metareward.tensors.model.transformer;

import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major GEMM {@code C = alpha * op(A) op(B) + beta * C} on sub-matrices of {@link NativeBuf}s given by an
 * element offset and a leading dimension, straight into the BLAS that ND4J bundles (no INDArray views, no copies).
 */
final class Blas {

    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private Blas() {
    }

    /**
     * @param m rows of op(A) and C
     * @param n columns of op(B) and C
     * @param k columns of op(A) = rows of op(B)
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     NativeBuf a, long aOff, int lda, NativeBuf b, long bOff, int ldb,
                     double beta, NativeBuf c, long cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            throw new IllegalArgumentException("gemm with an empty inner dimension");
        }
        int ta = transA ? TRANS : NO_TRANS;
        int tb = transB ? TRANS : NO_TRANS;
        if (c.isDouble) {
            openblas_nolapack.cblas_dgemm(ROW_MAJOR, ta, tb, m, n, k, alpha, a.doubleAt(aOff), lda, b.doubleAt(bOff), ldb,
                    beta, c.doubleAt(cOff), ldc);
        } else {
            openblas_nolapack.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, (float) alpha, a.floatAt(aOff), lda, b.floatAt(bOff),
                    ldb, (float) beta, c.floatAt(cOff), ldc);
        }
    }
}
