package dev.metareward.tensors.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.DeviceSettings;
import dev.metareward.config.DeviceSettings.Backend;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DevicePlacementTest {

    private static final DeviceSettings CPU = new DeviceSettings(Backend.CPU, List.of());
    private static final DeviceSettings TWO_GPUS = new DeviceSettings(Backend.CUDA, List.of(2, 3));

    @Test
    void shouldAssignConfiguredGpusRoundRobinByWorkerIndex() {
        DevicePlacement placement = new DevicePlacement(TWO_GPUS);
        assertEquals(OptionalInt.of(2), placement.gpuFor(0));
        assertEquals(OptionalInt.of(3), placement.gpuFor(1));
        assertEquals(OptionalInt.of(2), placement.gpuFor(2));
    }

    @Test
    void shouldAssignNoGpuOnTheCpuBackend() {
        assertEquals(OptionalInt.empty(), new DevicePlacement(CPU).gpuFor(5));
    }

    @Test
    void shouldRejectANegativeWorkerIndex() {
        assertThrows(IllegalArgumentException.class, () -> new DevicePlacement(TWO_GPUS).gpuFor(-1));
    }

    @Test
    void shouldRejectCudaWithoutGpus() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DevicePlacement(new DeviceSettings(Backend.CUDA, List.of())));
        assertTrue(e.getMessage().contains("device.gpus"), e.getMessage());
    }

    @Test
    void shouldMapNd4jBackendClassesToSettings() {
        assertEquals(Backend.CPU, DevicePlacement.backendOfNd4jClass("CpuBackend"));
        assertEquals(Backend.CUDA, DevicePlacement.backendOfNd4jClass("JCublasBackend"));
        assertThrows(BackendMismatchException.class, () -> DevicePlacement.backendOfNd4jClass("AuroraBackend"));
    }

    @Test
    void shouldLeaveTheThreadAloneOnTheCpuBackend() {
        assertEquals(DevicePlacement.CPU_BACKEND_CLASS, Nd4j.getBackend().getClass().getSimpleName(),
                "this test expects the default (CPU) build");
        int deviceBefore = Nd4j.getAffinityManager().getDeviceForCurrentThread();

        assertEquals(OptionalInt.empty(), new DevicePlacement(CPU).bindCurrentThread(1));

        assertEquals(deviceBefore, Nd4j.getAffinityManager().getDeviceForCurrentThread());
        INDArray sum = Nd4j.createFromArray(1.0, 2.0).add(Nd4j.createFromArray(3.0, 4.0));
        assertEquals(Nd4j.createFromArray(4.0, 6.0), sum);
    }

    @Test
    void shouldRefuseCudaSettingsWhenTheCpuBackendIsLoaded() {
        DevicePlacement placement = new DevicePlacement(TWO_GPUS);
        BackendMismatchException e = assertThrows(BackendMismatchException.class,
                () -> placement.bindCurrentThread(0));
        assertTrue(e.getMessage().contains("device.backend = \"cuda\""), e.getMessage());
        assertTrue(e.getMessage().contains("CpuBackend"), e.getMessage());
        assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
    }

    @Test
    void shouldBindOnlyToADeviceNd4jSees() {
        assertEquals(Backend.CPU, DevicePlacement.loadedBackend());
        int current = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        DevicePlacement.bindCurrentThreadToGpu(current);
        assertEquals(current, Nd4j.getAffinityManager().getDeviceForCurrentThread());
        int visible = Nd4j.getAffinityManager().getNumberOfDevices();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DevicePlacement.bindCurrentThreadToGpu(visible));
        assertTrue(e.getMessage().contains("ND4J sees " + visible), e.getMessage());
        assertEquals(current, Nd4j.getAffinityManager().getDeviceForCurrentThread());
    }
}
