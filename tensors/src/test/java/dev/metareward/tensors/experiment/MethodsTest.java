package dev.metareward.tensors.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.metareward.config.ExperimentSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The config's list of method names and the registered implementations are the same set. */
class MethodsTest {

    @Test
    void shouldRegisterAnImplementationForEveryNameTheConfigAccepts() {
        assertEquals(ExperimentSettings.KNOWN_METHODS, List.copyOf(Methods.names()));
        for (String name : ExperimentSettings.KNOWN_METHODS) {
            Methods.of(name).factory().get();
        }
    }
}
