package dev.metareward.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every setting of a run, typed and validated. Built from one HOCON file layered over {@code reference.conf};
 * instances are passed around explicitly (never held in statics) so two nodes with different settings can
 * share a JVM in tests.
 *
 * <p>{@code resolved} is the user's settings over every reference.conf on the class path; {@code user} is the file
 * and overrides alone (a cluster node layers its own Pekko defaults between the two).
 */
public record MetarewardConfig(RunSettings run, DataSettings data, ModelSettings model, BaseSettings base,
                               InnerSettings inner, OuterSettings outer, HypergradientSettings hypergradient,
                               MetaTestSettings metaTest, TrainingSettings training, TimeoutSettings timeouts,
                               DeviceSettings device, ClusterSettings cluster, MetricsSettings metrics,
                               BaselineSettings baselines, ExperimentSettings experiment, JudgeSettings judge,
                               Config resolved, Config user) {

    public static final String ROOT = "metareward";
    private static final String PEKKO_PREFIX = "pekko.";

    /** Loads {@code file} over the reference settings, applies {@code overrides} ("key=value", HOCON syntax) last. */
    public static MetarewardConfig load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigError(List.of("config file " + file + " does not exist or is not a regular file"));
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            for (String override : overrides) {
                user = parseOverride(override).withFallback(user);
            }
        } catch (ConfigException e) {
            throw new ConfigError(List.of(e.getMessage()));
        }
        return fromConfig(user);
    }

    public static MetarewardConfig load(Path file) {
        return load(file, List.of());
    }

    /** Validates a user config (not yet merged with the reference) and builds the typed settings. */
    public static MetarewardConfig fromConfig(Config user) {
        Config reference = ConfigFactory.defaultReference();
        List<String> problems = new ArrayList<>(unknownKeys(user, reference));
        Config resolved;
        try {
            resolved = user.withFallback(reference).resolve();
        } catch (ConfigException e) {
            throw new ConfigError(List.of(e.getMessage()));
        }
        SettingsReader r = new SettingsReader(resolved, ROOT, problems);
        DataSettings data = DataSettings.read(r.child("data"));
        DeviceSettings device = DeviceSettings.read(r.child("device"));
        ClusterSettings cluster = ClusterSettings.read(r.child("cluster"), data, device);
        MetarewardConfig config = new MetarewardConfig(
                RunSettings.read(r.child("run")),
                data,
                ModelSettings.read(r.child("model")),
                BaseSettings.read(r.child("base")),
                InnerSettings.read(r.child("inner")),
                OuterSettings.read(r.child("outer")),
                HypergradientSettings.read(r.child("hypergradient")),
                MetaTestSettings.read(r.child("meta-test")),
                TrainingSettings.read(r.child("training")),
                TimeoutSettings.read(r.child("timeouts")),
                device,
                cluster,
                MetricsSettings.read(r.child("metrics"), cluster),
                BaselineSettings.read(r.child("baselines")),
                ExperimentSettings.read(r.child("experiment"), data),
                JudgeSettings.read(r.child("judge")),
                resolved, user);
        if (config.hypergradient().mode() == HypergradientSettings.Mode.TRUNCATED
                && config.hypergradient().truncation() > config.inner().steps()) {
            r.child("hypergradient").problem("truncation", "expected K <= inner.steps (" + config.inner().steps()
                    + ") but was " + config.hypergradient().truncation());
        }
        if (device.backend() == DeviceSettings.Backend.CUDA && !config.cluster().enabled() && device.gpus().isEmpty()) {
            r.child("device").problem("gpus", "expected at least one GPU ordinal when backend = \"cuda\" (a cluster "
                    + "lists them per node instead)");
        }
        problems.addAll(variantProblems(config, r.child("experiment"), List.copyOf(problems)));
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
        return config;
    }

    /**
     * Each experiment variant's settings applied to {@code config} and validated like a user's file, so that a
     * wrong key or value in a variant stops the run at load time, not an hour into the grid.
     */
    private static List<String> variantProblems(MetarewardConfig config, SettingsReader experiment,
                                                List<String> known) {
        List<String> problems = new ArrayList<>();
        List<ExperimentSettings.Variant> variants = config.experiment().variants();
        for (int i = 0; i < variants.size(); i++) {
            try {
                config.forVariant(variants.get(i));
            } catch (ConfigError e) {
                String where = "'" + ROOT + ".experiment.variants[" + i + "].set' (" + experiment.where("variants")
                        + "), variant \"" + variants.get(i).name() + "\": ";
                // The run's own problems come back in every varied config; each is reported once.
                e.problems().stream().filter(p -> !known.contains(p)).forEach(p -> problems.add(where + p));
            }
        }
        return problems;
    }

    /**
     * These settings as one variant of the experiment runs them: the variant's settings on top, and no variants of
     * their own (a variant's config is one row, not a grid).
     */
    public MetarewardConfig forVariant(ExperimentSettings.Variant variant) {
        Map<String, Object> settings = new java.util.LinkedHashMap<>(variant.settings());
        settings.put("experiment.variants", List.of());
        return with(settings);
    }

    /** Loads the reference settings alone (tests, defaults). */
    public static MetarewardConfig defaults() {
        return fromConfig(ConfigFactory.empty());
    }

    /**
     * These settings with {@code key} (under {@code metareward}, e.g. "run.seed") set to {@code value} on top of the
     * user's settings, validated again; the experiment derives each seed's and variant's config this way.
     */
    public MetarewardConfig with(String key, Object value) {
        return with(Map.of(key, value));
    }

    /** These settings with every entry of {@code settings} set at once (so they are validated together). */
    public MetarewardConfig with(Map<String, ?> settings) {
        Config changed = user;
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            changed = changed.withValue(ROOT + "." + e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue(),
                    "set by the program: " + e.getKey()));
        }
        return fromConfig(changed);
    }

    /** Fails with a config error naming the domain settings when the data lacks a configured domain. */
    public void requireDomainsPresent(Collection<String> domainsInData, String dataLocation) {
        Set<String> present = new TreeSet<>(domainsInData);
        List<String> problems = new ArrayList<>();
        SettingsReader r = new SettingsReader(resolved, ROOT + ".data", problems);
        for (String key : List.of("training-domains", "held-out-domains")) {
            List<String> missing = r.strings(key).stream().filter(d -> !present.contains(d)).toList();
            if (!missing.isEmpty()) {
                r.problem(key, "domain(s) " + missing + " do not occur in the data at " + dataLocation
                        + "; domains present: " + present);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigError(problems);
        }
    }

    /** The resolved {@code metareward} settings as HOCON, with the origin of each value as a comment. */
    public String render(boolean withOrigins) {
        return resolved.getConfig(ROOT).root().render(ConfigRenderOptions.defaults()
                .setOriginComments(withOrigins).setJson(false).setFormatted(true));
    }

    private static Config parseOverride(String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigError(List.of("override \"" + override + "\": expected key=value, e.g. outer.steps=10"));
        }
        String key = override.substring(0, eq).trim();
        // pekko.* passes through untouched, like a pekko section in the file (e.g. the split-brain resolver's timing).
        String path = key.startsWith(ROOT + ".") || key.startsWith(PEKKO_PREFIX) ? key : ROOT + "." + key;
        return ConfigFactory.parseString(path + " = " + override.substring(eq + 1),
                ConfigParseOptions.defaults().setOriginDescription("override " + override));
    }

    private static List<String> unknownKeys(Config user, Config reference) {
        if (!user.hasPath(ROOT)) {
            return List.of();
        }
        Config known = reference.getConfig(ROOT);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : user.getConfig(ROOT).entrySet()) {
            String path = e.getKey();
            if (!known.hasPathOrNull(path) && !insideKnownLeaf(known, path)) {
                String suggestion = nearest(path, known.entrySet().stream().map(Map.Entry::getKey).toList());
                problems.add("'" + ROOT + "." + path + "' (" + SettingsReader.describe(e.getValue().origin())
                        + "): unknown setting" + (suggestion == null ? "" : "; did you mean '" + ROOT + "." + suggestion + "'?"));
            }
        }
        return problems;
    }

    /** True when {@code path} descends into something the reference holds as a value (a wrong type, reported later). */
    private static boolean insideKnownLeaf(Config known, String path) {
        String p = path;
        int dot;
        while ((dot = p.lastIndexOf('.')) > 0) {
            p = p.substring(0, dot);
            if (known.hasPathOrNull(p)) {
                return known.getValue(p).valueType() != com.typesafe.config.ConfigValueType.OBJECT;
            }
        }
        return false;
    }

    private static String nearest(String path, List<String> candidates) {
        return candidates.stream()
                .map(c -> Map.entry(c, editDistance(path, c)))
                .filter(e -> e.getValue() <= Math.max(2, path.length() / 4))
                .min(Comparator.comparingInt(Map.Entry::getValue))
                .map(Map.Entry::getKey).orElse(null);
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
