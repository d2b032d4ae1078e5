package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The native libraries' own threads, for the whole process: where the caller already puts work on every core (the
 * CPU engine's row ranges, an experiment's parallel seeds), ND4J's OpenMP loops and OpenBLAS's threads on top of it
 * would over-subscribe the cores and contend (decisions 56 and 66).
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    /**
     * ND4J's loops and OpenBLAS on one thread each, from now on. ND4J 1.0.0-M2.1 keeps {@code maxThreads()} at the
     * processor count whatever {@code setMaxThreads} is given; the BLAS and master-thread limits take
     * ({@code NativeThreadsTest} checks those two in a fresh JVM).
     */
    public static void useOne() {
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
