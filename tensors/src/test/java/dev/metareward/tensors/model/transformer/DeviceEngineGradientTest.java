package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every finite-difference check of {@link TransformerGradientTest} (policy, reward and base gradients, float64, same
 * tolerances) on the ND4J device engine: its own backward passes, not only their agreement with the CPU engine.
 */
class DeviceEngineGradientTest extends TransformerGradientTest {

    @Override
    TransformerModel newModel() {
        return TinyModels.model(DataType.DOUBLE, 11, DeviceSettings.Engine.ND4J);
    }

    @Test
    void shouldRunOnTheDeviceEngine() {
        assertEquals(DeviceSettings.Engine.ND4J, newModel().computeEngine());
    }
}
