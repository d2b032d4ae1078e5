package dev.metareward.config;

import java.util.List;
import java.util.Set;

/**
 * Which ND4J backend this node uses, which GPUs its domain workers are pinned to, and which engine computes the model.
 *
 * @param backend ND4J backend; cuda needs a build with the cuda Maven profile
 * @param gpus    GPU ordinals of this node (empty on the CPU backend)
 * @param engine  the model's compute engine ({@link #effectiveEngine()} resolves {@code AUTO})
 * @param cpuThreads row ranges (and threads) each model call of the CPU engine is split into; 0 = one per available
 *                processor ({@link #effectiveCpuThreads()})
 */
public record DeviceSettings(Backend backend, List<Integer> gpus, Engine engine, int cpuThreads) {

    /** ND4J backend; cuda needs a build with the cuda Maven profile. */
    public enum Backend { CPU, CUDA }

    /**
     * The engine of the transformer's forward, backward and hypergradient passes: the same code over two sets of
     * primitive operations.
     */
    public enum Engine {
        /** The CPU kernels on the CPU backend, ND4J on CUDA. */
        AUTO,
        /** BLAS on host pointers plus Java (SIMD) kernels: the fastest on the CPU, impossible on CUDA. */
        CPU_KERNELS,
        /** Every step an ND4J operation on INDArrays: runs on the GPU on CUDA; on the CPU, for parity checks. */
        ND4J
    }

    public DeviceSettings {
        gpus = List.copyOf(gpus);
        if (cpuThreads < 0) {
            throw new IllegalArgumentException("device.cpu-threads must be >= 0 (0 = one per processor), got "
                    + cpuThreads);
        }
    }

    /** The settings with {@code engine = AUTO} and one CPU thread per processor. */
    public DeviceSettings(Backend backend, List<Integer> gpus) {
        this(backend, gpus, Engine.AUTO, 0);
    }

    /** {@link #cpuThreads()} with 0 resolved to the processors this JVM may use. */
    public int effectiveCpuThreads() {
        return resolveCpuThreads(cpuThreads);
    }

    /** A {@code cpu-threads} value (>= 0) as a thread count: 0 is one per processor this JVM may use. */
    public static int resolveCpuThreads(int setting) {
        return setting == 0 ? availableProcessors() : setting;
    }

    /** The processors this JVM may use (a container's CPU limit included). */
    public static int availableProcessors() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@link #engine()} with {@code AUTO} resolved by {@link #backend()}: never {@code AUTO}. */
    public Engine effectiveEngine() {
        if (engine != Engine.AUTO) {
            return engine;
        }
        return backend == Backend.CUDA ? Engine.ND4J : Engine.CPU_KERNELS;
    }

    static DeviceSettings read(SettingsReader r) {
        String backend = r.oneOf("backend", Set.of("cpu", "cuda"));
        List<Integer> gpus = r.ints("gpus");
        for (int g : gpus) {
            if (g < 0) {
                r.problem("gpus", "expected GPU ordinals >= 0 but found " + g);
            }
        }
        String engine = r.oneOf("engine", Set.of("auto", "cpu-kernels", "nd4j"));
        if ("cuda".equals(backend) && "cpu-kernels".equals(engine)) {
            r.problem("engine", "\"cpu-kernels\" computes on host memory and cannot run on backend = \"cuda\"; use "
                    + "\"auto\" or \"nd4j\"");
        }
        Engine parsed = switch (engine) {
            case "cpu-kernels" -> Engine.CPU_KERNELS;
            case "nd4j" -> Engine.ND4J;
            default -> Engine.AUTO;
        };
        int cpuThreads = r.intAtLeast("cpu-threads", 0);
        boolean deviceEngine = "nd4j".equals(engine) || ("auto".equals(engine) && "cuda".equals(backend));
        if (deviceEngine && cpuThreads > 1) {
            r.problem("cpu-threads", "splits the calls of the cpu-kernels engine over threads, but this node computes "
                    + "on the nd4j engine (one stream per worker); leave it at 0 or 1");
        }
        // A negative value is already a reported problem; 0 keeps the record valid until the error is thrown.
        return new DeviceSettings("cuda".equals(backend) ? Backend.CUDA : Backend.CPU, gpus, parsed,
                Math.max(0, cpuThreads));
    }
}
