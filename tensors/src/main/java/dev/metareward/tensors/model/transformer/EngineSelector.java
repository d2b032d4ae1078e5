package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings.Backend;
import dev.metareward.config.DeviceSettings.Engine;
import dev.metareward.tensors.device.DevicePlacement;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Builds the {@link EngineOps} for an engine setting: {@code AUTO} is the CPU kernels on ND4J's CPU backend and the
 * ND4J device engine on CUDA, decided by the backend actually loaded (a model built without settings has nothing else
 * to go by, and with settings {@code DeviceSettings.effectiveEngine()} has already resolved it).
 */
final class EngineSelector {

    private EngineSelector() {
    }

    static EngineOps opsFor(Engine engine, DataType type) {
        Engine effective = engine;
        if (engine == Engine.AUTO) {
            effective = DevicePlacement.loadedBackend() == Backend.CUDA ? Engine.ND4J : Engine.CPU_KERNELS;
        }
        if (effective == Engine.ND4J) {
            return new Nd4jOps(type);
        }
        if (DevicePlacement.loadedBackend() == Backend.CUDA) {
            // The CPU engine reads and writes host memory through raw pointers; CUDA arrays live on the GPU.
            throw new IllegalStateException("device.engine = \"cpu-kernels\" needs ND4J's CPU backend, but this build "
                    + "loaded the CUDA backend: set device.engine = \"auto\" or \"nd4j\".");
        }
        return new CpuOps(KernelSelector.forType(type));
    }
}
