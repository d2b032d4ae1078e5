package dev.metareward.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class BaselineSettingsTest {

    @Test
    void shouldReadEveryBudgetAndTheDpoBetaFromTheUserFile() {
        MetarewardConfig config = MetarewardConfig.fromConfig(ConfigFactory.parseString(
                "metareward.baselines { reward-model { steps = 7, batch = 5, optimizer = sgd, learning-rate = 0.2 },"
                        + " dpo { beta = 0.25, clip-norm = 0 }, hpl { steps = 0, learning-rate = 1e-4 }, select-every = 0 }"));
        BaselineSettings b = config.baselines();
        assertEquals(new OuterSettings(7, 5, OuterSettings.Optimizer.SGD, 0.2, 1.0), b.rewardModel());
        assertEquals(0.25, b.dpoBeta());
        assertEquals(0, b.selectEvery());
        assertEquals(0.0, b.dpo().clipNorm());
        assertEquals(0, b.hpl().steps());
        assertEquals(1e-4, b.hpl().learningRate());
    }

    @Test
    void shouldNameEveryBadBaselineSettingAtOnce() {
        ConfigError e = assertThrows(ConfigError.class, () -> MetarewardConfig.fromConfig(ConfigFactory.parseString(
                "metareward.baselines { select-every = -1, reward-model.batch = 0, dpo.beta = 0, hpl.optimizer = rmsprop }")));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("'metareward.baselines.reward-model.batch'")
                && e.getMessage().contains("'metareward.baselines.dpo.beta'")
                && e.getMessage().contains("'metareward.baselines.hpl.optimizer'")
                && e.getMessage().contains("'metareward.baselines.select-every'"), e.getMessage());
    }

    @Test
    void shouldRejectAnUnknownBaselineKeyWithASuggestion() {
        ConfigError e = assertThrows(ConfigError.class, () -> MetarewardConfig.fromConfig(ConfigFactory.parseString(
                "metareward.baselines.dpo.betta = 0.5")));
        assertTrue(e.getMessage().contains("did you mean 'metareward.baselines.dpo.beta'"), e.getMessage());
    }
}
