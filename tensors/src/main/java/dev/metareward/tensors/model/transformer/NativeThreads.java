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

    /** ND4J's OpenMP loops and OpenBLAS on one thread each, from now on. */
    public static void useOne() {
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }
}
