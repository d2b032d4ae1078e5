package dev.metareward.tensors.bilevel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.metareward.config.DeviceSettings.Engine;
import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.HypergradientSettings.Mode;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.bilevel.testmodels.InMemoryDomainBatches;
import dev.metareward.tensors.bilevel.testmodels.StartingPointPolicy;
import dev.metareward.tensors.model.transformer.EngineParity;
import dev.metareward.tensors.model.transformer.ModelShape;
import dev.metareward.tensors.model.transformer.TransformerModel;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bilevel results on the ND4J device engine against the CPU engine (ND4J's CPU backend): one inner step and the
 * exact hypergradient, on the set-up of {@link TransformerHypergradientTest} (tiny transformer, jittered theta_0 and
 * phi, beta 0.5) with D = 3. Both engines see the same batches. Tolerances as for the model calls: 1e-9 in float64,
 * 1e-4 in float32 (largest element error relative to the largest element).
 */
class DeviceEngineHypergradientParityTest {

    private static final int VOCAB = 11;
    private static final int CONTEXT = 12;
    private static final ModelShape SHAPE = new ModelShape(VOCAB, CONTEXT, 2, 16, 2, 32, 2, 2.0);
    private static final int STEPS = 3;
    private static final int BATCH = 3;
    private static final int PAIRS = 3;
    private static final InnerSettings INNER = new InnerSettings(STEPS, BATCH, 0.05, 0.5, 20.0);
    private static final OuterSettings OUTER = new OuterSettings(1, PAIRS, OuterSettings.Optimizer.SGD, 1e-2, 0);

    static Stream<Arguments> precisions() {
        return Stream.of(Arguments.of(DataType.DOUBLE, 1e-9), Arguments.of(DataType.FLOAT, 1e-4));
    }

    /** One engine's policy (started at the jittered theta_0), reward model and phi; the same numbers on both. */
    private record Setup(StartingPointPolicy policy, TransformerModel model, INDArray phi) {

        static Setup on(Engine engine, DataType type) {
            TransformerModel model = TransformerModel.create(SHAPE, type, 0.3, 5, engine);
            assertEquals(engine, model.computeEngine());
            StartingPointPolicy policy = new StartingPointPolicy(model.policy(),
                    EngineParity.jitter(model.policy().initialParameters(), 0.2, 1));
            return new Setup(policy, model, EngineParity.jitter(model.reward().initialParameters(7), 0.2, 2));
        }

        INDArray innerStep() {
            return new InnerLoop(policy, model.reward(), 1, BATCH, INNER.learningRate(), INNER.beta(), 20.0)
                    .run(phi, batches(), false).finalTheta();
        }

        INDArray exactHypergradient() {
            return new DomainMetaStep(policy, model.reward(), batches(), INNER, OUTER,
                    new HypergradientSettings(Mode.EXACT, 1, 0)).compute(phi, 0).hypergradient();
        }

        private static InMemoryDomainBatches batches() {
            return InMemoryDomainBatches.random("books", VOCAB, 24, 12, CONTEXT, 3);
        }
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void shouldTakeTheSameInnerStep(DataType type, double tolerance) {
        Setup cpu = Setup.on(Engine.CPU_KERNELS, type);
        Setup device = Setup.on(Engine.ND4J, type);
        INDArray theta0 = cpu.policy().initialParameters();
        // The step itself (theta_1 - theta_0), not theta_1: theta_0 would dominate and hide an error in the step.
        EngineParity.assertClose("inner step", device.innerStep().sub(theta0), cpu.innerStep().sub(theta0), tolerance);
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void shouldComputeTheSameExactHypergradient(DataType type, double tolerance) {
        Setup cpu = Setup.on(Engine.CPU_KERNELS, type);
        Setup device = Setup.on(Engine.ND4J, type);
        EngineParity.assertClose("exact hypergradient (D = " + STEPS + ")", device.exactHypergradient(),
                cpu.exactHypergradient(), tolerance);
    }
}
