package dev.metareward.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Who scores the held-out generations (docs/DATA.md, "Judges"): the ground truth of a built-in data set, an external
 * command, or a Bradley-Terry reward model trained on the held-out domain's own pairs (an oracle judge).
 *
 * @param command          argv of the external judge (kind {@code COMMAND}); empty otherwise
 * @param timeout          how long one call of the external judge may take, from start to its last line
 * @param bradleyTerry     training of the Bradley-Terry oracle judge
 */
public record JudgeSettings(Kind kind, List<String> command, Duration timeout, BradleyTerry bradleyTerry) {

    /** The kind of judge; {@code AUTO} is the ground truth on built-in data and the Bradley-Terry judge otherwise. */
    public enum Kind { AUTO, GROUND_TRUTH, COMMAND, BRADLEY_TERRY }

    /** Steps, pairs per step and Adam learning rate of the Bradley-Terry oracle judge's reward model. */
    public record BradleyTerry(int steps, int batch, double learningRate) {
    }

    public JudgeSettings {
        command = List.copyOf(command);
    }

    static JudgeSettings read(SettingsReader r) {
        String kind = r.oneOf("kind", Set.of("auto", "ground-truth", "command", "bradley-terry"));
        List<String> command = r.strings("command");
        Kind k = switch (kind) {
            case "ground-truth" -> Kind.GROUND_TRUTH;
            case "command" -> Kind.COMMAND;
            case "bradley-terry" -> Kind.BRADLEY_TERRY;
            default -> Kind.AUTO;
        };
        if (k == Kind.COMMAND && (command.isEmpty() || command.get(0).isBlank())) {
            r.problem("command", "expected the judge's command line as a list of strings, e.g. [\"python3\", "
                    + "\"judge.py\"], when kind = \"command\"");
        }
        if (k != Kind.COMMAND && !command.isEmpty()) {
            r.problem("command", "is only used with kind = \"command\" but kind is \"" + kind + "\"; remove it or "
                    + "set kind = \"command\"");
        }
        SettingsReader bt = r.child("bradley-terry");
        return new JudgeSettings(k, command, r.duration("timeout"), new BradleyTerry(bt.intAtLeast("steps", 1),
                bt.intAtLeast("batch", 1), bt.positive("learning-rate")));
    }
}
