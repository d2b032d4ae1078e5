package dev.metareward.config;

import java.util.List;
import java.util.Set;

/** Which ND4J backend this node uses and which GPUs its domain workers are pinned to. */
public record DeviceSettings(Backend backend, List<Integer> gpus) {

    /** ND4J backend; cuda needs a build with the cuda Maven profile. */
    public enum Backend { CPU, CUDA }

    public DeviceSettings {
        gpus = List.copyOf(gpus);
    }

    static DeviceSettings read(SettingsReader r) {
        String backend = r.oneOf("backend", Set.of("cpu", "cuda"));
        List<Integer> gpus = r.ints("gpus");
        for (int g : gpus) {
            if (g < 0) {
                r.problem("gpus", "expected GPU ordinals >= 0 but found " + g);
            }
        }
        return new DeviceSettings("cuda".equals(backend) ? Backend.CUDA : Backend.CPU, gpus);
    }
}
