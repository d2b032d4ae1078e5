package dev.metareward.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The judge block and the built-in set's choice: read, defaults, and errors naming the key. */
class JudgeSettingsTest {

    private static MetarewardConfig parse(String hocon) {
        return MetarewardConfig.fromConfig(ConfigFactory.parseString(hocon));
    }

    @Test
    void shouldDefaultToTheAutomaticJudgeAndTheSyntheticSet() {
        MetarewardConfig config = MetarewardConfig.defaults();
        assertEquals(JudgeSettings.Kind.AUTO, config.judge().kind());
        assertEquals(List.of(), config.judge().command());
        assertEquals(Duration.ofMinutes(5), config.judge().timeout());
        assertEquals(new JudgeSettings.BradleyTerry(200, 16, 3e-3), config.judge().bradleyTerry());
        assertEquals(BuiltinDataSettings.Kind.SENTIMENT, config.data().builtin().set());
        assertEquals(Path.of("/usr/share/wordnet"), config.data().builtin().wordnetDir());
    }

    @Test
    void shouldReadACommandJudgeAndTheTextSet() {
        MetarewardConfig config = parse("""
                metareward.judge { kind = "command", command = ["python3", "judge.py", "--fast"], timeout = 90s }
                metareward.data.builtin { set = "wordnet", domains = ["noun-act", "verb-motion"], lexicon = "/x/index.js" }
                metareward.data { training-domains = ["noun-act"], held-out-domains = ["verb-motion"] }
                """);
        assertEquals(JudgeSettings.Kind.COMMAND, config.judge().kind());
        assertEquals(List.of("python3", "judge.py", "--fast"), config.judge().command());
        assertEquals(Duration.ofSeconds(90), config.judge().timeout());
        assertEquals(BuiltinDataSettings.Kind.WORDNET, config.data().builtin().set());
        assertEquals("/x/index.js", config.data().builtin().lexicon());
    }

    @Test
    void shouldRejectACommandJudgeWithoutCommandAndACommandForAnotherKind() {
        ConfigError missing = assertThrows(ConfigError.class, () -> parse("metareward.judge.kind = command"));
        assertTrue(missing.getMessage().contains("'metareward.judge.command'")
                && missing.getMessage().contains("when kind = \"command\""), missing.getMessage());
        ConfigError stray = assertThrows(ConfigError.class, () -> parse("metareward.judge.command = [\"judge\"]"));
        assertTrue(stray.getMessage().contains("only used with kind = \"command\""), stray.getMessage());
    }

    @Test
    void shouldRejectUnknownKindsBadTimeoutsAndBadTrainingSettings() {
        ConfigError e = assertThrows(ConfigError.class, () -> parse("""
                metareward.judge { kind = "roberta", timeout = 0s, bradley-terry { steps = 0, learning-rate = -1 } }
                metareward.data.builtin.set = "imdb"
                """));
        for (String key : List.of("judge.kind", "judge.timeout", "judge.bradley-terry.steps",
                "judge.bradley-terry.learning-rate", "data.builtin.set")) {
            assertTrue(e.getMessage().contains("'metareward." + key + "'"), key + " not named in " + e.getMessage());
        }
    }
}
