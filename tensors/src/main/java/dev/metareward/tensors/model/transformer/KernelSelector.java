package dev.metareward.tensors.model.transformer;

import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the {@link Kernels} for a data type: SIMD float32 kernels when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}, otherwise (and always for float64) the scalar reference kernels.
 */
final class KernelSelector {

    private static final Logger LOG = LoggerFactory.getLogger(KernelSelector.class);
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private KernelSelector() {
    }

    static Kernels forType(DataType type) {
        if (type == DataType.FLOAT && vectorModulePresent()) {
            try {
                return (Kernels) Class.forName(KernelSelector.class.getPackageName() + ".VectorFloatKernels")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("SIMD float32 kernels unavailable ({}); using scalar kernels", e.toString());
            }
        } else if (type == DataType.FLOAT) {
            LOG.warn("JVM started without --add-modules {}: float32 model uses scalar kernels (several times slower)",
                    VECTOR_MODULE);
        }
        return new ScalarKernels();
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }
}
