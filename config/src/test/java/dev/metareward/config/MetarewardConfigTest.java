package dev.metareward.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetarewardConfigTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("run.conf");
        Files.writeString(file, text);
        return file;
    }

    private ConfigError failure(String text) throws IOException {
        Path file = write(text);
        return assertThrows(ConfigError.class, () -> MetarewardConfig.load(file));
    }

    @Test
    void shouldLoadShippedConfigsWithoutProblems() {
        Path root = Path.of(System.getProperty("user.dir"));
        // Surefire runs in the module folder; the example configs live beside it.
        MetarewardConfig local = MetarewardConfig.load(root.resolve("local.conf"));
        MetarewardConfig cluster = MetarewardConfig.load(root.resolve("cluster.conf"));
        assertEquals(List.of("kitchen"), local.data().heldOutDomains());
        assertEquals(DeviceSettings.Backend.CUDA, cluster.device().backend());
        assertTrue(cluster.cluster().enabled());
        ExperimentSettings lodo = MetarewardConfig.load(root.resolve("experiment-lodo.conf")).experiment();
        assertEquals(List.of("books", "dvd", "electronics", "kitchen"), lodo.domains());
        assertTrue(lodo.seeds().size() >= 3, "at least 3 seeds: " + lodo.seeds());
        assertEquals(ExperimentSettings.KNOWN_METHODS, lodo.methods());
    }

    @Test
    void shouldApplyValuesFromTheUserFileOverReferenceDefaults() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("metareward.inner { steps = 7, beta = 0.5 }"));
        assertEquals(7, config.inner().steps());
        assertEquals(0.5, config.inner().beta());
        assertEquals(MetarewardConfig.defaults().outer().steps(), config.outer().steps());
    }

    @Test
    void shouldApplyCommandLineOverridesLast() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("metareward.outer.steps = 3"),
                List.of("outer.steps=9", "metareward.hypergradient.mode=first-order"));
        assertEquals(9, config.outer().steps());
        assertEquals(HypergradientSettings.Mode.FIRST_ORDER, config.hypergradient().mode());
    }

    @Test
    void shouldRejectUnknownKeyWithFileLineAndSuggestion() throws IOException {
        ConfigError e = failure("metareward {\n  inner {\n    stepz = 5\n  }\n}\n");
        assertTrue(e.getMessage().contains("'metareward.inner.stepz'"), e.getMessage());
        assertTrue(e.getMessage().contains("run.conf:3"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'metareward.inner.steps'"), e.getMessage());
    }

    @Test
    void shouldRejectUnknownSection() throws IOException {
        ConfigError e = failure("metareward.optimiser.lr = 1");
        assertTrue(e.getMessage().contains("'metareward.optimiser.lr'") && e.getMessage().contains("unknown setting"),
                e.getMessage());
    }

    @Test
    void shouldIgnoreKeysOutsideOurNamespace() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("pekko.loglevel = DEBUG\nmetareward.inner.steps = 4"));
        assertEquals(4, config.inner().steps());
    }

    @Test
    void shouldPassPekkoOverridesThroughUnprefixed() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("metareward.inner.steps = 4"),
                List.of("pekko.cluster.split-brain-resolver.stable-after=3s", "inner.steps=5"));
        assertEquals("3s", config.resolved().getString("pekko.cluster.split-brain-resolver.stable-after"));
        assertEquals(5, config.inner().steps());
    }

    @Test
    void shouldRejectWrongTypeNamingKeyAndExpectation() throws IOException {
        ConfigError e = failure("metareward.inner.steps = \"many\"");
        assertTrue(e.getMessage().contains("'metareward.inner.steps' (") && e.getMessage().contains("run.conf:1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("expected an integer >= 1"), e.getMessage());
    }

    @Test
    void shouldRejectNonPositiveBeta() throws IOException {
        ConfigError e = failure("metareward.inner.beta = 0");
        assertTrue(e.getMessage().contains("'metareward.inner.beta'") && e.getMessage().contains("expected a number > 0.0")
                && e.getMessage().contains("but was 0.0"), e.getMessage());
    }

    @Test
    void shouldRejectZeroInnerSteps() throws IOException {
        ConfigError e = failure("metareward.inner.steps = 0");
        assertTrue(e.getMessage().contains("'metareward.inner.steps'") && e.getMessage().contains("but was 0"),
                e.getMessage());
    }

    @Test
    void shouldRejectValueOutsideAnEnumeration() throws IOException {
        ConfigError e = failure("metareward.hypergradient.mode = \"second-order\"");
        assertTrue(e.getMessage().contains("expected one of") && e.getMessage().contains("second-order"), e.getMessage());
    }

    @Test
    void shouldRejectUnknownRewardWeightingOrLossNormalisation() throws IOException {
        ConfigError e = failure("metareward.inner.reward-weights = \"normalised\"\n"
                + "metareward.outer.loss-normalisation = \"mean\"");
        assertTrue(e.getMessage().contains("'metareward.inner.reward-weights'") && e.getMessage().contains("normalised")
                && e.getMessage().contains("'metareward.outer.loss-normalisation'"), e.getMessage());
    }

    @Test
    void shouldRejectHeldOutDomainThatAlsoTrains() throws IOException {
        ConfigError e = failure("metareward.data { training-domains = [books, dvd], held-out-domains = [dvd] }");
        assertTrue(e.getMessage().contains("'metareward.data.held-out-domains'")
                && e.getMessage().contains("[dvd] are also training domains"), e.getMessage());
    }

    @Test
    void shouldReportEveryProblemAtOnce() throws IOException {
        ConfigError e = failure("metareward { inner.beta = -1, inner.steps = 0, model.heads = 3 }");
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void shouldRejectHeadsThatDoNotDivideModelWidth() throws IOException {
        ConfigError e = failure("metareward.model { d-model = 130, heads = 4 }");
        assertTrue(e.getMessage().contains("'metareward.model.heads'") && e.getMessage().contains("divisor of d-model"),
                e.getMessage());
    }

    @Test
    void shouldRejectTruncationLongerThanInnerLoop() throws IOException {
        ConfigError e = failure("metareward { inner.steps = 4, hypergradient { mode = truncated, truncation = 5 } }");
        assertTrue(e.getMessage().contains("'metareward.hypergradient.truncation'"), e.getMessage());
    }

    @Test
    void shouldRejectDomainAbsentFromData() {
        MetarewardConfig config = MetarewardConfig.defaults();
        ConfigError e = assertThrows(ConfigError.class,
                () -> config.requireDomainsPresent(List.of("books", "dvd", "kitchen"), "data/x"));
        assertTrue(e.getMessage().contains("'metareward.data.training-domains'") && e.getMessage().contains("[electronics]")
                && e.getMessage().contains("data/x"), e.getMessage());
        config.requireDomainsPresent(List.of("books", "dvd", "electronics", "kitchen"), "data/x");
    }

    @Test
    void shouldReportSyntaxErrorWithLine() throws IOException {
        ConfigError e = failure("metareward {\n inner.steps = = 3\n");
        assertTrue(e.getMessage().contains("run.conf") && e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void shouldReportMissingFile() {
        ConfigError e = assertThrows(ConfigError.class, () -> MetarewardConfig.load(dir.resolve("nope.conf")));
        assertTrue(e.getMessage().contains("nope.conf") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void shouldRejectMalformedOverride() throws IOException {
        Path file = write("");
        ConfigError e = assertThrows(ConfigError.class, () -> MetarewardConfig.load(file, List.of("outer.steps")));
        assertTrue(e.getMessage().contains("expected key=value"), e.getMessage());
    }

    @Test
    void shouldRenderResolvedSettingsWithOrigins() throws IOException {
        String text = MetarewardConfig.load(write("metareward.inner.steps = 6")).render(true);
        assertTrue(text.contains("steps=6"), text);
        assertTrue(text.contains("run.conf: 1"), text);
    }

    @Test
    void shouldResolveTheComputeEngineFromBackendAndSetting() throws IOException {
        assertEquals(DeviceSettings.Engine.AUTO, MetarewardConfig.defaults().device().engine());
        assertEquals(DeviceSettings.Engine.CPU_KERNELS, MetarewardConfig.defaults().device().effectiveEngine());
        MetarewardConfig cuda = MetarewardConfig.load(write("metareward.device { backend = \"cuda\", gpus = [0] }"));
        assertEquals(DeviceSettings.Engine.ND4J, cuda.device().effectiveEngine());
        MetarewardConfig forced = MetarewardConfig.load(write("metareward.device.engine = \"nd4j\""));
        assertEquals(DeviceSettings.Engine.ND4J, forced.device().effectiveEngine());
        assertEquals(DeviceSettings.Backend.CPU, forced.device().backend());
    }

    @Test
    void shouldRejectAnUnknownEngineAndTheCpuKernelsOnCuda() throws IOException {
        ConfigError unknown = failure("metareward.device.engine = \"gpu\"");
        assertTrue(unknown.getMessage().contains("'metareward.device.engine'")
                && unknown.getMessage().contains("cpu-kernels"), unknown.getMessage());
        ConfigError onCuda = failure("metareward.device { backend = \"cuda\", gpus = [0], engine = \"cpu-kernels\" }");
        assertTrue(onCuda.getMessage().contains("'metareward.device.engine'")
                && onCuda.getMessage().contains("cannot run on backend = \"cuda\""), onCuda.getMessage());
    }

    @Test
    void shouldResolveCpuThreadsAndRejectThemWhereNothingReadsThem() throws IOException {
        assertEquals(0, MetarewardConfig.defaults().device().cpuThreads());
        assertEquals(Runtime.getRuntime().availableProcessors(),
                MetarewardConfig.defaults().device().effectiveCpuThreads());
        assertEquals(3, MetarewardConfig.load(write("metareward.device.cpu-threads = 3")).device()
                .effectiveCpuThreads());
        ConfigError negative = failure("metareward.device.cpu-threads = -1");
        assertTrue(negative.getMessage().contains("'metareward.device.cpu-threads'"), negative.getMessage());
        ConfigError onDevice = failure("metareward.device { engine = \"nd4j\", cpu-threads = 2 }");
        assertTrue(onDevice.getMessage().contains("'metareward.device.cpu-threads'")
                && onDevice.getMessage().contains("nd4j engine"), onDevice.getMessage());
        assertEquals(1, MetarewardConfig.load(write("metareward.device { engine = \"nd4j\", cpu-threads = 1 }"))
                .device().effectiveCpuThreads());
    }

    @Test
    void shouldReadTheExperimentBlockWithLeaveOneDomainOutOverTheRunsDomainsByDefault() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("metareward.experiment { seeds = [5, 6, 7], "
                + "beta-sweep = [0.5, 2.0] }"));
        ExperimentSettings e = config.experiment();
        assertEquals(ExperimentSettings.Protocol.LEAVE_ONE_DOMAIN_OUT, e.protocol());
        assertEquals(List.of(5L, 6L, 7L), e.seeds());
        assertEquals(List.of(0.5, 2.0), e.betaSweep());
        assertEquals(ExperimentSettings.KNOWN_METHODS, e.methods());
    }

    @Test
    void shouldReadKFoldGroups() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("metareward.experiment { protocol = \"k-fold\", "
                + "groups = [[\"books\", \"dvd\"], [\"electronics\", \"kitchen\"]] }"));
        assertEquals(List.of(List.of("books", "dvd"), List.of("electronics", "kitchen")), config.experiment().groups());
    }

    @Test
    void shouldRejectBadExperimentSettingsAllAtOnce() throws IOException {
        ConfigError e = failure("metareward.experiment { protocol = \"k-fold\", groups = [[\"books\"], "
                + "[\"books\", \"dvd\"]], seeds = [1, 1], methods = [\"sft\", \"magic\"], "
                + "beta-sweep = [0.5, -1] }");
        String m = e.getMessage();
        for (String expected : List.of("'metareward.experiment.groups'", "[books]",
                "'metareward.experiment.seeds'", "'metareward.experiment.methods'", "\"magic\"",
                "'metareward.experiment.beta-sweep'")) {
            assertTrue(m.contains(expected), expected + " not in: " + m);
        }
    }

    @Test
    void shouldReadExperimentVariantsAndApplyEachOnTopOfTheRunsSettings() throws IOException {
        MetarewardConfig config = MetarewardConfig.load(write("metareward.outer.steps = 7\n"
                + "metareward.experiment.variants = [{ name = \"D = 20\", set { inner.steps = 20 } },\n"
                + "  { name = \"sgd\", set { outer { optimizer = \"sgd\", learning-rate = 0.3 } } }]"));
        List<ExperimentSettings.Variant> variants = config.experiment().variants();
        assertEquals(List.of("D = 20", "sgd"), variants.stream().map(ExperimentSettings.Variant::name).toList());
        assertEquals(java.util.Map.of("outer.optimizer", "sgd", "outer.learning-rate", 0.3), variants.get(1).settings());
        MetarewardConfig sgd = config.forVariant(variants.get(1));
        assertEquals(OuterSettings.Optimizer.SGD, sgd.outer().optimizer());
        assertEquals(0.3, sgd.outer().learningRate());
        assertEquals(7, sgd.outer().steps(), "the run's own settings stay under the variant's");
        assertEquals(20, config.forVariant(variants.get(0)).inner().steps());
        assertEquals(List.of(), sgd.experiment().variants());
    }

    @Test
    void shouldRejectVariantsWithUnknownOrInvalidOrGridOwnedSettingsAtLoad() throws IOException {
        ConfigError e = failure("metareward.experiment.variants = [{ name = \"typo\", set { inner.stepz = 20 } },\n"
                + "  { name = \"zero\", set { inner.steps = 0 } },\n"
                + "  { name = \"seeded\", set { run.seed = 4 } },\n"
                + "  { name = \"\", set {} }]");
        String m = e.getMessage();
        for (String expected : List.of("'metareward.experiment.variants[0].set'", "variant \"typo\"", "inner.stepz",
                "unknown setting", "variant \"zero\"", "'metareward.inner.steps'", "'run.seed' is set by the experiment",
                "'metareward.experiment.variants[3].name'", "'metareward.experiment.variants[3].set'")) {
            assertTrue(m.contains(expected), expected + " not in: " + m);
        }
        ConfigError noLearnedPhi = failure("metareward.experiment { methods = [\"sft\"], "
                + "variants = [{ name = \"D = 5\", set { inner.steps = 5 } }] }");
        assertTrue(noLearnedPhi.getMessage().contains("'metareward.experiment.variants'")
                && noLearnedPhi.getMessage().contains("meta-test-learned-phi"), noLearnedPhi.getMessage());
    }

    @Test
    void shouldRejectAGroupListThatIsNotAListOfLists() throws IOException {
        ConfigError e = failure("metareward.experiment { protocol = \"k-fold\", groups = [\"books\", \"dvd\"] }");
        assertTrue(e.getMessage().contains("'metareward.experiment.groups'")
                && e.getMessage().contains("list of lists"), e.getMessage());
    }

    @Test
    void shouldDeriveAConfigWithOneSettingChangedAndValidateIt() {
        MetarewardConfig seeded = MetarewardConfig.defaults().with("run.seed", 9L)
                .with(java.util.Map.of("data.held-out-domains", List.of("kitchen", "dvd"),
                        "data.training-domains", List.of("books", "electronics")));
        assertEquals(9L, seeded.run().seed());
        assertEquals(List.of("kitchen", "dvd"), seeded.data().heldOutDomains());
        assertThrows(ConfigError.class, () -> MetarewardConfig.defaults().with("inner.beta", -1.0));
    }
}
