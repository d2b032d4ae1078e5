package dev.metareward.tensors.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.metareward.config.BuiltinDataSettings;
import dev.metareward.config.ConfigError;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.ByteTokenizer;
import dev.metareward.tensors.data.MultiDomainData;
import dev.metareward.tensors.data.builtin.BuiltinManifest;
import dev.metareward.tensors.data.builtin.GeneratedData;
import dev.metareward.tensors.data.builtin.SentimentDataGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which judge judge.kind gives on built-in data (a builtin.json beside the files) and on a user's data. */
class JudgesTest {

    private static final Batcher BATCHER = new Batcher(new ByteTokenizer(), 64, 16);

    @TempDir
    Path dir;

    private MetarewardConfig config(String kind) {
        return MetarewardConfig.fromConfig(ConfigFactory.parseString("metareward { data.dir = \"" + dir
                + "\", judge.kind = \"" + kind + "\" }"));
    }

    private MultiDomainData builtin() {
        GeneratedData data = new SentimentDataGenerator(new BuiltinDataSettings(List.of("books", "kitchen"), 10, 5, 1),
                15, 47).writeTo(dir);
        return MultiDomainData.of(data.sft(), data.pref(), 0.2);
    }

    @Test
    void shouldJudgeBuiltinDataByItsGroundTruthAndOtherDataByTheOracle() throws IOException {
        MultiDomainData data = builtin();
        Judge auto = Judges.create(config("auto"), data, () -> {
            throw new AssertionError("the ground-truth judge needs no reward model");
        }, BATCHER);
        assertInstanceOf(GroundTruthJudge.class, auto);
        double[] scores = auto.score("kitchen", List.of(new Judge.Generation("the pan is", " sturdy and superb"),
                new Judge.Generation("the pan is", " rusty and awful")));
        assertTrue(scores[0] > 0 && scores[1] < 0, scores[0] + ", " + scores[1]);

        Files.delete(dir.resolve(BuiltinManifest.FILE)); // now it looks like a user's data
        assertInstanceOf(BradleyTerryJudge.class, Judges.create(config("auto"), data, () -> null, BATCHER));
        ConfigError e = assertThrows(ConfigError.class,
                () -> Judges.create(config("ground-truth"), data, () -> null, BATCHER));
        assertTrue(e.getMessage().contains("'metareward.judge.kind' = \"ground-truth\"")
                && e.getMessage().contains("no known reward"), e.getMessage());
    }

    @Test
    void shouldRefuseATextSetScoredWithAnotherLexicon() throws IOException {
        MultiDomainData data = builtin();
        new BuiltinManifest(BuiltinManifest.WORDNET, 1, List.of("books"), "0".repeat(64)).writeTo(dir);
        ConfigError e = assertThrows(ConfigError.class, () -> Judges.create(config("auto"), data, () -> null, BATCHER));
        assertTrue(e.getMessage().contains("differs from the one") && e.getMessage().contains("0".repeat(64)),
                e.getMessage());
    }

    @Test
    void shouldBuildTheCommandJudgeFromItsSettings() {
        MetarewardConfig config = MetarewardConfig.fromConfig(ConfigFactory.parseString(
                "metareward.judge { kind = command, command = [\"/bin/cat\"], timeout = 7s }"));
        Judge judge = Judges.create(config, builtin(), () -> null, BATCHER);
        assertEquals("command [/bin/cat] (timeout PT7S)", judge.describe());
    }
}
