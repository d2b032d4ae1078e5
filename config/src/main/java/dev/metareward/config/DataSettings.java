package dev.metareward.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Where the data is, how bad lines are treated, and which domains train or are held out. */
public record DataSettings(Path dir, boolean generateIfMissing, BadLinePolicy onBadLine, double evalFraction,
                           List<String> trainingDomains, List<String> heldOutDomains, BuiltinDataSettings builtin) {

    /** What the loader does with a malformed line. */
    public enum BadLinePolicy { FAIL, SKIP }

    public DataSettings {
        trainingDomains = List.copyOf(trainingDomains);
        heldOutDomains = List.copyOf(heldOutDomains);
    }

    static DataSettings read(SettingsReader r) {
        String policy = r.oneOf("on-bad-line", Set.of("fail", "skip"));
        List<String> training = r.strings("training-domains");
        List<String> heldOut = r.strings("held-out-domains");
        if (training.isEmpty()) {
            r.problem("training-domains", "expected at least one training domain");
        }
        if (new HashSet<>(training).size() != training.size()) {
            r.problem("training-domains", "a domain is listed twice: " + training);
        }
        Set<String> both = new HashSet<>(training);
        both.retainAll(heldOut);
        if (!both.isEmpty()) {
            r.problem("held-out-domains", "domain(s) " + both + " are also training domains; a held-out domain must not "
                    + "contribute preference data to training (" + r.key("training-domains") + " is set at "
                    + r.where("training-domains") + ")");
        }
        return new DataSettings(Path.of(r.string("dir")), r.bool("generate-if-missing"),
                "skip".equals(policy) ? BadLinePolicy.SKIP : BadLinePolicy.FAIL,
                r.number("eval-fraction", 0.0, true, 0.9), training, heldOut,
                BuiltinDataSettings.read(r.child("builtin")));
    }

    /** Every domain the run needs from the data, training first. */
    public List<String> allDomains() {
        return java.util.stream.Stream.concat(trainingDomains.stream(), heldOutDomains.stream()).toList();
    }
}
