package dev.metareward.config;

import java.util.Set;

/** How d loss_PL / d phi is computed through the unrolled inner loop (MATH.md "Hypergradient modes"). */
public record HypergradientSettings(Mode mode, int truncation, double fdRelativeStep) {

    /** exact: all D steps; truncated: Hessian terms of the last K steps; first-order: no Hessian terms. */
    public enum Mode { EXACT, TRUNCATED, FIRST_ORDER }

    static HypergradientSettings read(SettingsReader r) {
        String mode = r.oneOf("mode", Set.of("exact", "truncated", "first-order"));
        return new HypergradientSettings(switch (mode) {
            case "truncated" -> Mode.TRUNCATED;
            case "first-order" -> Mode.FIRST_ORDER;
            default -> Mode.EXACT;
        }, r.intAtLeast("truncation", 1), r.number("fd-relative-step", 0.0, false, 1.0));
    }
}
