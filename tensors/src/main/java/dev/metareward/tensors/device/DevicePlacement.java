package dev.metareward.tensors.device;

import dev.metareward.config.DeviceSettings;
import dev.metareward.config.DeviceSettings.Backend;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places domain workers on devices: worker {@code i} of a node computes on GPU {@code device.gpus[i mod n]} when
 * {@code device.backend = "cuda"} (workers share GPUs round-robin when a node hosts more workers than GPUs), and on
 * the CPU otherwise. {@link #bindCurrentThread(int)} must run on the worker's own (pinned) thread before its first
 * ND4J operation, because ND4J binds a CUDA device per thread.
 */
public final class DevicePlacement {

    private static final Logger LOG = LoggerFactory.getLogger(DevicePlacement.class);

    // Simple class names of ND4J's backends (Nd4j.getBackend()); stable across 1.0.0-M releases.
    static final String CPU_BACKEND_CLASS = "CpuBackend";
    static final String CUDA_BACKEND_CLASS = "JCublasBackend";

    private final Backend backend;
    private final List<Integer> gpus;

    public DevicePlacement(DeviceSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (settings.backend() == Backend.CUDA && settings.gpus().isEmpty()) {
            throw new IllegalArgumentException("device.backend = \"cuda\" needs at least one GPU ordinal in "
                    + "device.gpus, e.g. gpus = [0, 1].");
        }
        this.backend = settings.backend();
        this.gpus = settings.gpus();
    }

    /** The GPU ordinal worker {@code workerIndex} (0-based, per node) computes on, or empty on the CPU backend. */
    public OptionalInt gpuFor(int workerIndex) {
        if (workerIndex < 0) {
            throw new IllegalArgumentException("Worker index must be >= 0 but was " + workerIndex + ".");
        }
        if (backend == Backend.CPU) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(gpus.get(workerIndex % gpus.size()));
    }

    /**
     * Checks that the loaded ND4J backend is the configured one and, on CUDA, binds the calling thread to the GPU
     * of worker {@code workerIndex}; a no-op on the CPU backend.
     *
     * @return the GPU ordinal the thread is now bound to, or empty on the CPU backend
     * @throws BackendMismatchException when device.backend names another backend than the loaded one
     * @throws IllegalStateException    when the GPU does not exist or ND4J did not switch to it
     */
    public OptionalInt bindCurrentThread(int workerIndex) {
        OptionalInt gpu = gpuFor(workerIndex);
        requireLoadedBackend();
        if (gpu.isEmpty()) {
            return gpu;
        }
        bind(gpu.getAsInt(), "worker " + workerIndex);
        return gpu;
    }

    /**
     * Binds the calling thread to GPU {@code ordinal}: ND4J allocates that thread's arrays, and runs its operations,
     * on that device from then on (ND4J binds a CUDA device per thread). The one place that binds a thread; a domain
     * worker calls it from its constructor, on its pinned thread, before it builds its model. A no-op when the
     * thread is already on that device; on the CPU backend ND4J reports a single device 0, so only ordinal 0 passes.
     *
     * @throws IllegalStateException when the GPU does not exist or ND4J did not switch to it
     */
    public static void bindCurrentThreadToGpu(int ordinal) {
        bind(ordinal, "thread " + Thread.currentThread().getName());
    }

    private static void bind(int ordinal, String who) {
        AffinityManager affinity = Nd4j.getAffinityManager();
        int visible = affinity.getNumberOfDevices();
        if (ordinal < 0 || ordinal >= visible) {
            throw new IllegalStateException("device.gpus assigns GPU " + ordinal + " to " + who
                    + " but ND4J sees " + visible + " CUDA device(s) (ordinals 0-" + (visible - 1) + "); check "
                    + "device.gpus and CUDA_VISIBLE_DEVICES.");
        }
        if (affinity.getDeviceForCurrentThread() != ordinal) {
            // ND4J keeps a per-thread CUDA context; drop it so that the thread's next ops use the new device.
            Nd4j.getMemoryManager().releaseCurrentContext();
            affinity.unsafeSetDevice(ordinal);
        }
        int bound = affinity.getDeviceForCurrentThread();
        if (bound != ordinal) {
            throw new IllegalStateException("ND4J did not bind thread " + Thread.currentThread().getName()
                    + " to GPU " + ordinal + " (it reports GPU " + bound + ").");
        }
        LOG.info("{} on thread {} computes on GPU {}", who, Thread.currentThread().getName(), ordinal);
    }

    /**
     * The backend of the ND4J build on the class path, CPU ({@code nd4j-native}) or CUDA ({@code nd4j-cuda-11.6}).
     *
     * @throws BackendUnavailableException when ND4J cannot load any backend
     */
    public static Backend loadedBackend() {
        return backendOfNd4jClass(loadedBackendClass(null));
    }

    /**
     * Fails unless the ND4J backend on the classpath is the one {@code device.backend} names.
     *
     * @throws BackendMismatchException    when the loaded backend is the other one
     * @throws BackendUnavailableException when ND4J cannot load any backend
     */
    public void requireLoadedBackend() {
        String loaded = loadedBackendClass(backend);
        Backend actual = backendOfNd4jClass(loaded);
        if (actual == backend) {
            return;
        }
        if (backend == Backend.CUDA) {
            throw new BackendMismatchException("device.backend = \"cuda\" but this build loaded ND4J's " + loaded
                    + " (CPU): build with `mvn -Pcuda package` (or use the metareward:cuda image), or set "
                    + "device.backend = \"cpu\".");
        }
        throw new BackendMismatchException("device.backend = \"cpu\" but this build loaded ND4J's " + loaded
                + " (CUDA, a -Pcuda build): set device.backend = \"cuda\" and device.gpus, or use the CPU build.");
    }

    private static String loadedBackendClass(Backend configured) {
        try {
            return Nd4j.getBackend().getClass().getSimpleName();
        } catch (ExceptionInInitializerError | NoClassDefFoundError | RuntimeException e) {
            // Measured with the -Pcuda build on a machine without a GPU: libjnicudart.so fails to load
            // (libcuda.so.1 missing), ND4J skips JCublasBackend and Nd4j's initializer throws.
            throw new BackendUnavailableException("ND4J could not load its backend"
                    + (configured == null ? "" : " (device.backend = \"" + configured.name().toLowerCase(Locale.ROOT)
                    + "\")") + ": a CUDA build needs the NVIDIA driver "
                    + "(libcuda.so.1) and the CUDA 11.6 libraries (libcublas.so.11, libcusolver.so.11); a CPU build "
                    + "needs the nd4j-native linux-x86_64 natives. Run with --verbose for ND4J's own messages.", e);
        }
    }

    /** Maps the simple class name of {@code Nd4j.getBackend()} to the backend setting it corresponds to. */
    static Backend backendOfNd4jClass(String simpleName) {
        return switch (simpleName) {
            case CPU_BACKEND_CLASS -> Backend.CPU;
            case CUDA_BACKEND_CLASS -> Backend.CUDA;
            default -> throw new BackendMismatchException("Unknown ND4J backend " + simpleName + ": expected "
                    + CPU_BACKEND_CLASS + " (nd4j-native) or " + CUDA_BACKEND_CLASS + " (nd4j-cuda-11.6).");
        };
    }
}
