package dev.metareward.tensors.model.transformer;

import dev.metareward.config.DeviceSettings.Engine;
import dev.metareward.tensors.data.TokenBatch;
import dev.metareward.tensors.model.ValueAndGradient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ND4J device engine against the CPU engine on ND4J's CPU backend, model call by model call: forward values,
 * logits, every gradient (policy, reward, base MLE) and two Adam steps of the base (float64). Tolerances (largest
 * element error relative to the largest element, {@link EngineParity#maxRelativeError}): 1e-9 in float64, 1e-4 in
 * float32. Both engines compute the same formulas in a different order (batched attention, ND4J reductions against
 * Java loops), so they differ by rounding only. Measured worst errors (logged): float64 1.8e-15 (gradients), 5e-11
 * (after two Adam steps); float32 7.5e-7 (reward values), 5.3e-7 (policy gradient).
 */
class DeviceEngineParityTest {

    private static final double[] WEIGHTS = {0.7, -1.3, 2.1, 0.4};

    static Stream<Arguments> precisions() {
        return Stream.of(Arguments.of(DataType.DOUBLE, 1e-9), Arguments.of(DataType.FLOAT, 1e-4));
    }

    private final TokenBatch batch = TinyModels.batch(WEIGHTS.length, 5);

    @Test
    void shouldBuildOneModelOnEachEngineWithTheSameWeights() {
        TransformerModel cpu = TinyModels.model(DataType.DOUBLE, 11, Engine.CPU_KERNELS);
        TransformerModel device = TinyModels.model(DataType.DOUBLE, 11, Engine.ND4J);
        assertEquals(Engine.CPU_KERNELS, cpu.computeEngine());
        assertEquals(Engine.ND4J, device.computeEngine());
        assertEquals(Engine.CPU_KERNELS, TinyModels.model(DataType.DOUBLE, 11).computeEngine(),
                "AUTO on the CPU backend must be the CPU kernels");
        assertEquals(cpu.baseParameters(), device.baseParameters());
        assertEquals(cpu.policy().initialParameters(), device.policy().initialParameters());
        assertEquals(cpu.reward().initialParameters(3), device.reward().initialParameters(3));
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void shouldAgreeOnForwardValuesAndLogits(DataType type, double tolerance) {
        TransformerModel cpu = TinyModels.model(type, 11, Engine.CPU_KERNELS);
        TransformerModel device = TinyModels.model(type, 11, Engine.ND4J);
        INDArray theta = TinyModels.jitter(cpu.policy().initialParameters(), 0.2, 3);
        INDArray phi = TinyModels.jitter(cpu.reward().initialParameters(9), 0.2, 4);
        EngineParity.assertClose("policy log-probs", device.policy().sequenceLogProbs(theta, batch),
                cpu.policy().sequenceLogProbs(theta, batch), tolerance);
        EngineParity.assertClose("rewards", device.reward().rewards(phi, batch), cpu.reward().rewards(phi, batch), tolerance);
        EngineParity.assertClose("base log-probs", device.baseSequenceLogProbs(batch), cpu.baseSequenceLogProbs(batch), tolerance);
        EngineParity.assertClose("policy next-token logits", device.policy().nextTokenLogits(theta, batch),
                cpu.policy().nextTokenLogits(theta, batch), tolerance);
        EngineParity.assertClose("base next-token logits", device.baseNextTokenLogits(batch),
                cpu.baseNextTokenLogits(batch), tolerance);
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void shouldAgreeOnEveryGradient(DataType type, double tolerance) {
        TransformerModel cpu = TinyModels.model(type, 11, Engine.CPU_KERNELS);
        TransformerModel device = TinyModels.model(type, 11, Engine.ND4J);
        INDArray theta = TinyModels.jitter(cpu.policy().initialParameters(), 0.2, 3);
        INDArray phi = TinyModels.jitter(cpu.reward().initialParameters(9), 0.2, 4);
        ValueAndGradient policyCpu = cpu.policy().sequenceLogProbsAndGradient(theta, batch, WEIGHTS);
        ValueAndGradient policyDevice = device.policy().sequenceLogProbsAndGradient(theta, batch, WEIGHTS);
        EngineParity.assertClose("policy values", policyDevice.values(), policyCpu.values(), tolerance);
        EngineParity.assertClose("policy gradient", policyDevice.gradient(), policyCpu.gradient(), tolerance);
        ValueAndGradient rewardCpu = cpu.reward().rewardsAndGradient(phi, batch, WEIGHTS);
        ValueAndGradient rewardDevice = device.reward().rewardsAndGradient(phi, batch, WEIGHTS);
        EngineParity.assertClose("reward values", rewardDevice.values(), rewardCpu.values(), tolerance);
        EngineParity.assertClose("reward gradient", rewardDevice.gradient(), rewardCpu.gradient(), tolerance);
        ValueAndGradient baseCpu = cpu.baseTrainer(1e-3).lossAndGradient(batch);
        ValueAndGradient baseDevice = device.baseTrainer(1e-3).lossAndGradient(batch);
        EngineParity.assertClose("base loss", baseDevice.values(), baseCpu.values(), tolerance);
        EngineParity.assertClose("base gradient", baseDevice.gradient(), baseCpu.gradient(), tolerance);
    }

    /**
     * Float64 only: Adam turns a gradient entry at rounding-noise level into a step of about the full learning rate
     * (|g| >> its eps 1e-8), so two float32 implementations that differ by rounding alone (1e-7 relative, as the
     * gradients above do) end up whole steps apart on such entries. Measured: 2e-2 after two float32 steps, 5e-11 in
     * float64.
     */
    @Test
    void shouldTrainTheBaseAlike() {
        TransformerModel cpu = TinyModels.model(DataType.DOUBLE, 11, Engine.CPU_KERNELS);
        TransformerModel device = TinyModels.model(DataType.DOUBLE, 11, Engine.ND4J);
        INDArray start = cpu.baseParameters().dup();
        BaseTrainer cpuTrainer = cpu.baseTrainer(1e-2);
        BaseTrainer deviceTrainer = device.baseTrainer(1e-2);
        for (int step = 0; step < 2; step++) {
            TokenBatch b = TinyModels.batch(3, 40 + step);
            assertEquals(cpuTrainer.step(b), deviceTrainer.step(b), 1e-12);
        }
        EngineParity.assertClose("base update after two Adam steps", device.baseParameters().sub(start),
                cpu.baseParameters().sub(start), 1e-9);
    }
}
