package dev.metareward.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The grid of {@code metareward experiment} (docs/EXPERIMENTS.md): which folds (leave-one-domain-out over
 * {@code domains}, or k-fold over {@code groups}), which seeds, which methods, an optional beta sweep and other
 * variants of the learned phi, the spacing of the accuracy-vs-steps curve and the report folder.
 *
 * @param protocol how the folds are formed
 * @param domains leave-one-domain-out: the domains, each held out once (empty = data.training-domains followed by
 *                data.held-out-domains)
 * @param groups k-fold: the domain groups; fold i holds out group i and trains on all others
 * @param seeds run.seed of each repetition (base warm start, phi init, batches and sampling derive from it)
 * @param methods method names among {@link #KNOWN_METHODS}, in report order
 * @param betaSweep inner.beta values for extra rows of the learned phi (Figure 4); empty = no sweep
 * @param curveEvery meta-test steps between two points of the held-out accuracy curve (Figure 2)
 * @param outputDir the report folder (results, plots, cached warm starts and finished cells)
 * @param parallelSeeds how many seeds run at the same time, each on its own model (threads of this process)
 * @param variants extra rows of the learned phi, each with its own settings (the sweep of docs/EXPERIMENTS.md)
 */
public record ExperimentSettings(Protocol protocol, List<String> domains, List<List<String>> groups, List<Long> seeds,
                                 List<String> methods, List<Double> betaSweep, int curveEvery, Path outputDir,
                                 int parallelSeeds, List<Variant> variants) {

    /**
     * One extra row of the learned phi: its name in the report and the settings (paths under {@code metareward},
     * e.g. "inner.steps") it changes in every cell of that row.
     */
    public record Variant(String name, Map<String, Object> settings) {
        public Variant {
            settings = Collections.unmodifiableMap(new TreeMap<>(settings));
        }
    }

    /**
     * Settings a variant may not change: the grid sets them per cell (folds, seeds) or reads them for the whole
     * experiment.
     */
    static final List<String> GRID_SETTINGS = List.of("experiment", "data.training-domains", "data.held-out-domains",
            "run.seed", "run.output-dir");

    /** How held-out domains are chosen. */
    public enum Protocol { LEAVE_ONE_DOMAIN_OUT, K_FOLD }

    /**
     * Method names the experiment knows; an implementation for each is registered with the experiment runner
     * ({@code tensors/.../experiment/Methods}). A new method (a baseline) adds its name here and its implementation
     * there.
     */
    public static final List<String> KNOWN_METHODS = List.of("sft", "meta-test-initial-phi", "meta-test-learned-phi",
            "meta-test-true-reward", "sft-continued", "rm-mt-rwr-tr", "rm-mt-rwr-tr-te", "dpo", "hpl");

    /** The method whose rows the beta sweep repeats. */
    public static final String LEARNED_PHI = "meta-test-learned-phi";

    public ExperimentSettings {
        domains = List.copyOf(domains);
        groups = groups.stream().map(List::copyOf).toList();
        seeds = List.copyOf(seeds);
        methods = List.copyOf(methods);
        betaSweep = List.copyOf(betaSweep);
        variants = List.copyOf(variants);
    }

    static ExperimentSettings read(SettingsReader r, DataSettings data) {
        String protocolName = r.oneOf("protocol", Set.of("leave-one-domain-out", "k-fold"));
        Protocol protocol = "k-fold".equals(protocolName) ? Protocol.K_FOLD : Protocol.LEAVE_ONE_DOMAIN_OUT;
        List<String> domains = r.strings("domains");
        List<List<String>> groups = r.stringLists("groups");
        if (protocol == Protocol.LEAVE_ONE_DOMAIN_OUT) {
            List<String> effective = domains.isEmpty() ? data.allDomains() : domains;
            if (effective.size() < 2) {
                r.problem("domains", "leave-one-domain-out needs at least 2 domains (one held out, the rest "
                        + "training) but has " + effective);
            }
            requireDistinct(r, "domains", effective);
        } else {
            if (groups.size() < 2) {
                r.problem("groups", "k-fold needs at least 2 domain groups, e.g. [[\"books\", \"dvd\"], "
                        + "[\"electronics\", \"kitchen\"]], but has " + groups.size());
            }
            if (groups.stream().anyMatch(List::isEmpty)) {
                r.problem("groups", "a domain group is empty: " + groups);
            }
            requireDistinct(r, "groups", groups.stream().flatMap(List::stream).toList());
        }
        List<Long> seeds = new ArrayList<>();
        for (double s : r.numbers("seeds")) {
            if (s != Math.rint(s)) {
                r.problem("seeds", "expected integer seeds but found " + s);
            }
            seeds.add((long) s);
        }
        if (seeds.isEmpty()) {
            r.problem("seeds", "expected at least one seed");
        }
        requireDistinct(r, "seeds", seeds);
        List<String> methods = r.strings("methods");
        if (methods.isEmpty()) {
            r.problem("methods", "expected at least one method among " + KNOWN_METHODS);
        }
        for (String m : methods) {
            if (!KNOWN_METHODS.contains(m)) {
                r.problem("methods", "unknown method \"" + m + "\"; expected names among " + KNOWN_METHODS);
            }
        }
        requireDistinct(r, "methods", methods);
        List<Double> betas = r.numbers("beta-sweep");
        for (double b : betas) {
            if (!(b > 0 && Double.isFinite(b))) {
                r.problem("beta-sweep", "expected beta values > 0 but found " + b);
            }
        }
        requireDistinct(r, "beta-sweep", betas);
        if (!betas.isEmpty() && !methods.contains(LEARNED_PHI)) {
            r.problem("beta-sweep", "sweeps the rows of \"" + LEARNED_PHI + "\", which is not among methods " + methods);
        }
        List<Variant> variants = readVariants(r, methods);
        return new ExperimentSettings(protocol, domains, groups, seeds, methods, betas, r.intAtLeast("curve-every", 1),
                Path.of(r.string("output-dir")), r.intAtLeast("parallel-seeds", 1), variants);
    }

    /**
     * The variants' names and the paths they set; whether each set of settings is valid is checked by
     * {@link MetarewardConfig#fromConfig}, which can build the varied config.
     */
    private static List<Variant> readVariants(SettingsReader r, List<String> methods) {
        List<Variant> variants = new ArrayList<>();
        for (SettingsReader v : r.objects("variants", Set.of("name", "set"))) {
            String name = v.string("name").strip();
            if (name.isEmpty()) {
                v.problem("name", "expected a non-empty name for the report");
            }
            Map<String, Object> settings = v.settingsObject("set");
            if (settings.isEmpty()) {
                v.problem("set", "expected at least one setting to change, e.g. { inner.steps = 20 }");
            }
            for (String path : settings.keySet()) {
                for (String owned : GRID_SETTINGS) {
                    if (path.equals(owned) || path.startsWith(owned + ".")) {
                        v.problem("set", "'" + path + "' is set by the experiment itself (per fold, seed or for the "
                                + "whole grid); a variant may change any other setting");
                    }
                }
            }
            variants.add(new Variant(name, settings));
        }
        requireDistinct(r, "variants", variants.stream().map(Variant::name).toList());
        if (!variants.isEmpty() && !methods.contains(LEARNED_PHI)) {
            r.problem("variants", "varies the rows of \"" + LEARNED_PHI + "\", which is not among methods " + methods);
        }
        return variants;
    }

    private static void requireDistinct(SettingsReader r, String name, List<?> values) {
        Set<Object> seen = new HashSet<>();
        Set<Object> twice = new LinkedHashSet<>();
        for (Object v : values) {
            if (!seen.add(v)) {
                twice.add(v);
            }
        }
        if (!twice.isEmpty()) {
            r.problem(name, "listed more than once: " + twice);
        }
    }
}
