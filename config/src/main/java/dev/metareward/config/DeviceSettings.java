package dev.metareward.config;

import java.util.List;
import java.util.Set;

/**
 * Which ND4J backend this node uses, which GPUs its domain workers are pinned to, and which engine computes the model.
 *
 * @param backend ND4J backend; cuda needs a build with the cuda Maven profile
 * @param gpus    GPU ordinals of this node (empty on the CPU backend)
 * @param engine  the model's compute engine ({@link #effectiveEngine()} resolves {@code AUTO})
 */
public record DeviceSettings(Backend backend, List<Integer> gpus, Engine engine) {

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
    }

    /** The settings with {@code engine = AUTO}. */
    public DeviceSettings(Backend backend, List<Integer> gpus) {
        this(backend, gpus, Engine.AUTO);
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
        return new DeviceSettings("cuda".equals(backend) ? Backend.CUDA : Backend.CPU, gpus, parsed);
    }
}
