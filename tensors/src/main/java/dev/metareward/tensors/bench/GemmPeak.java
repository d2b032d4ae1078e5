package dev.metareward.tensors.bench;

import java.util.Arrays;
import dev.metareward.config.DeviceSettings;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's practical matrix-multiply ceiling as ND4J reaches it: the median GFLOP/s of float32 GEMMs of
 * size^3 (2 size^3 FLOPs each), measured in the same process as the workload so that both see the same BLAS and
 * neighbours. BLAS runs on every processor for it, even where the model's CPU engine keeps BLAS single-threaded and
 * parallelises over rows instead: the peak is the machine's, the figure the model's throughput is read against.
 */
public final class GemmPeak {

    private GemmPeak() {
    }

    /** Median GFLOP/s over {@code repeats} float32 GEMMs C = A B of {@code size} x {@code size}, after {@code warmup}. */
    public static double measure(int size, int repeats, int warmup) {
        if (size < 1 || repeats < 1 || warmup < 0) {
            throw new IllegalArgumentException("GEMM peak needs size >= 1, repeats >= 1 and warmup >= 0, got " + size
                    + ", " + repeats + ", " + warmup);
        }
        INDArray a = Nd4j.rand(DataType.FLOAT, size, size);
        INDArray b = Nd4j.rand(DataType.FLOAT, size, size);
        INDArray c = Nd4j.create(DataType.FLOAT, size, size);
        int blasThreads = Nd4j.factory().blas().getMaxThreads();
        Nd4j.factory().blas().setMaxThreads(DeviceSettings.availableProcessors());
        double[] seconds = new double[repeats];
        try {
            for (int i = 0; i < warmup; i++) {
                Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            }
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        } finally {
            Nd4j.factory().blas().setMaxThreads(blasThreads);
        }
        return 2.0 * size * size * (double) size / median(seconds) / 1e9;
    }

    /** The median of {@code values} (mean of the two middle ones for an even count); does not modify the array. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
