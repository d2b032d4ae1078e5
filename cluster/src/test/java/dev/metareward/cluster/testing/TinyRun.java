package dev.metareward.cluster.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The smallest complete run (every phase executes in seconds) as --set overrides, shared by end-to-end tests. */
public final class TinyRun {

    private TinyRun() {
    }

    /** Tiny model, data and budgets, with data and output in the given folders, then {@code more} settings. */
    public static List<String> overrides(Path data, Path out, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "model { layers = 1, d-model = 16, heads = 2, d-ff = 32, lora-rank = 2 }",
                "base.steps=5",
                "inner.steps=2", "inner.batch=4", "outer.batch=4",
                "meta-test.steps=2", "meta-test.evaluator-steps=1",
                "meta-test.generation-prompts=4", "meta-test.temperatures=[1.0]",
                "data.builtin.sft-per-domain=40", "data.builtin.pref-per-domain=20",
                "data.dir=\"" + data + "\"",
                "run.output-dir=\"" + out + "\""));
        settings.addAll(List.of(more));
        List<String> args = new ArrayList<>();
        for (String setting : settings) {
            args.add("--set");
            args.add(setting);
        }
        return args;
    }

    /** A file of the repository's config folder (Surefire runs in the module folder, config is a sibling). */
    public static Path configFile(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("config").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("config/" + name + " not found above " + Path.of("").toAbsolutePath());
    }
}
