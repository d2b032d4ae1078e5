package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings.Engine;
import dev.metareward.tensors.data.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What makes the device engine a device engine on the CPU backend too: after every kind of model call none of its
 * buffers has had its host memory asked for (a host view of a CUDA array would mean a device-to-host copy inside a
 * step). The same calls on the CPU engine do use host memory, which shows that the check can fail.
 */
class DeviceEngineHostAccessTest {

    private final TokenBatch batch = TinyModels.batch(3, 7);
    private final double[] weights = {0.5, -1.0, 2.0};

    @Test
    void shouldNeverTouchHostMemoryOfItsBuffers() throws IllegalAccessException {
        List<NativeBuf> used = hostViewed(runEveryCall(Engine.ND4J));
        assertTrue(used.isEmpty(), used.size() + " device-engine buffers had host views");
    }

    @Test
    void shouldSeeTheCpuEngineUseHostMemory() throws IllegalAccessException {
        assertFalse(hostViewed(runEveryCall(Engine.CPU_KERNELS)).isEmpty());
    }

    private TransformerEngine runEveryCall(Engine engine) {
        TransformerModel model = TinyModels.model(DataType.DOUBLE, 3, engine);
        INDArray theta = TinyModels.jitter(model.policy().initialParameters(), 0.2, 1);
        INDArray phi = TinyModels.jitter(model.reward().initialParameters(2), 0.2, 2);
        model.policy().sequenceLogProbsAndGradient(theta, batch, weights);
        model.policy().sequenceLogProbs(theta, batch);
        model.policy().nextTokenLogits(theta, batch);
        model.reward().rewards(phi, batch);
        model.reward().rewardsAndGradient(phi, batch, weights);
        model.baseSequenceLogProbs(batch);
        model.baseNextTokenLogits(batch);
        model.baseTrainer(1e-3).step(batch);
        return model.engine();
    }

    /** Every buffer the engine keeps (base, activations of every batch size, scratch) whose host views were made. */
    private static List<NativeBuf> hostViewed(TransformerEngine engine) throws IllegalAccessException {
        List<NativeBuf> all = new ArrayList<>();
        collect(engine, all);
        for (Activations a : engine.cachedActivations()) {
            collect(a, all);
        }
        assertTrue(all.size() > 50, "found only " + all.size() + " buffers: the walk misses fields");
        List<NativeBuf> used = new ArrayList<>();
        for (NativeBuf b : all) {
            if (b.hostViewsUsed()) {
                used.add(b);
            }
        }
        return used;
    }

    /** Adds the NativeBufs held by {@code owner}'s fields, following arrays and the model's own holder classes. */
    private static void collect(Object owner, List<NativeBuf> out) throws IllegalAccessException {
        for (Field f : owner.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            Object value = f.get(owner);
            if (value instanceof NativeBuf b) {
                out.add(b);
            } else if (value instanceof NativeBuf[] bs) {
                out.addAll(List.of(bs));
            } else if (value instanceof Activations.LastRows || value instanceof Activations.Tail) {
                collect(value, out);
            }
        }
    }
}
