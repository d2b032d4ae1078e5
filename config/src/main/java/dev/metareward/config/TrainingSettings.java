package dev.metareward.config;

import java.util.Set;

/** How contributions of domain workers become updates of phi, and how often phi is saved and evaluated. */
public record TrainingSettings(Mode mode, int stalenessBound, boolean stalenessScaling, int checkpointEvery,
                               int keepCheckpoints, int evaluateEvery) {

    /** sync: Algorithm 1 exactly, one contribution per domain per version; async: bounded staleness. */
    public enum Mode { SYNC, ASYNC }

    static TrainingSettings read(SettingsReader r) {
        String mode = r.oneOf("mode", Set.of("sync", "async"));
        return new TrainingSettings("async".equals(mode) ? Mode.ASYNC : Mode.SYNC, r.intAtLeast("staleness-bound", 0),
                r.bool("staleness-scaling"), r.intAtLeast("checkpoint-every", 1), r.intAtLeast("keep-checkpoints", 1),
                r.intAtLeast("evaluate-every", 0));
    }
}
