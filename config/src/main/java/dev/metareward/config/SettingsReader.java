package dev.metareward.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values under one prefix and collects every problem instead of stopping at the first,
 * so a user fixes a config file in one pass. Each problem names the full key and where it was set.
 */
final class SettingsReader {
    private final Config config;
    private final String prefix;
    private final List<String> problems;
    /** How problems name keys under this reader (differs from {@code prefix} inside list elements). */
    private final String displayPrefix;

    SettingsReader(Config config, String prefix, List<String> problems) {
        this(config, prefix, problems, prefix);
    }

    private SettingsReader(Config config, String prefix, List<String> problems, String displayPrefix) {
        this.config = config;
        this.prefix = prefix;
        this.problems = problems;
        this.displayPrefix = displayPrefix;
    }

    SettingsReader child(String name) {
        return new SettingsReader(config, key(name), problems, displayKey(name));
    }

    private String displayKey(String name) {
        return displayPrefix.isEmpty() ? name : displayPrefix + "." + name;
    }

    String key(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    String where(String name) {
        String k = key(name);
        return config.hasPath(k) ? describe(config.getValue(k).origin()) : "unset";
    }

    static String describe(ConfigOrigin origin) {
        if (origin.filename() != null) {
            return origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "");
        }
        if (origin.resource() != null) {
            return origin.resource() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "");
        }
        return origin.description();
    }

    void problem(String name, String message) {
        problems.add("'" + displayKey(name) + "' (" + where(name) + "): " + message);
    }

    /** True when {@code name} is set (for optional keys inside list elements, which have no reference default). */
    boolean has(String name) {
        return config.hasPath(key(name));
    }

    String string(String name) {
        try {
            return config.getString(key(name));
        } catch (ConfigException e) {
            return fail(name, "expected a string", "");
        }
    }

    String oneOf(String name, Set<String> allowed) {
        String v = string(name);
        if (!allowed.contains(v)) {
            problem(name, "expected one of " + allowed + " but was \"" + v + "\"");
        }
        return v;
    }

    boolean bool(String name) {
        try {
            return config.getBoolean(key(name));
        } catch (ConfigException e) {
            return fail(name, "expected true or false", false);
        }
    }

    long longAtLeast(String name, long min) {
        try {
            long v = config.getLong(key(name));
            if (v < min) {
                problem(name, "expected an integer >= " + min + " but was " + v);
            }
            return v;
        } catch (ConfigException e) {
            return fail(name, "expected an integer >= " + min, min);
        }
    }

    int intIn(String name, int min, int max) {
        String expected = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer in [" + min + ", " + max + "]";
        try {
            int v = config.getInt(key(name));
            if (v < min || v > max) {
                problem(name, "expected " + expected + " but was " + v);
            }
            return v;
        } catch (ConfigException e) {
            return fail(name, "expected " + expected, min);
        }
    }

    int intAtLeast(String name, int min) {
        return intIn(name, min, Integer.MAX_VALUE);
    }

    /** A number in the open or closed interval; {@code lowOpen} excludes {@code low} itself. */
    double number(String name, double low, boolean lowOpen, double high) {
        String expected = "a number " + (lowOpen ? "> " : ">= ") + low + (high < Double.MAX_VALUE ? " and <= " + high : "");
        try {
            double v = config.getDouble(key(name));
            boolean ok = Double.isFinite(v) && (lowOpen ? v > low : v >= low) && v <= high;
            if (!ok) {
                problem(name, "expected " + expected + " but was " + v);
            }
            return v;
        } catch (ConfigException e) {
            return fail(name, "expected " + expected, Math.max(low, 1e-3));
        }
    }

    double positive(String name) {
        return number(name, 0.0, true, Double.MAX_VALUE);
    }

    double nonNegative(String name) {
        return number(name, 0.0, false, Double.MAX_VALUE);
    }

    List<String> strings(String name) {
        try {
            return List.copyOf(config.getStringList(key(name)));
        } catch (ConfigException e) {
            return fail(name, "expected a list of strings", List.of());
        }
    }

    /** A list of lists of strings, e.g. domain groups [["a", "b"], ["c"]]. */
    List<List<String>> stringLists(String name) {
        try {
            List<List<String>> lists = new ArrayList<>();
            for (com.typesafe.config.ConfigValue element : config.getList(key(name))) {
                if (!(element instanceof com.typesafe.config.ConfigList inner)) {
                    return fail(name, "expected a list of lists of strings", List.of());
                }
                List<String> strings = new ArrayList<>();
                for (com.typesafe.config.ConfigValue v : inner) {
                    if (v.valueType() != com.typesafe.config.ConfigValueType.STRING) {
                        return fail(name, "expected a list of lists of strings", List.of());
                    }
                    strings.add((String) v.unwrapped());
                }
                lists.add(List.copyOf(strings));
            }
            return List.copyOf(lists);
        } catch (ConfigException e) {
            return fail(name, "expected a list of lists of strings", List.of());
        }
    }

    List<Double> numbers(String name) {
        try {
            return List.copyOf(config.getDoubleList(key(name)));
        } catch (ConfigException e) {
            return fail(name, "expected a list of numbers", List.of());
        }
    }

    List<Integer> ints(String name) {
        try {
            return List.copyOf(config.getIntList(key(name)));
        } catch (ConfigException e) {
            return fail(name, "expected a list of integers", List.of());
        }
    }

    /** A size in bytes such as 64m or 8k (HOCON size syntax), within [min, max]. */
    long bytesIn(String name, long min, long max) {
        try {
            long v = config.getBytes(key(name));
            if (v < min || v > max) {
                problem(name, "expected a size in [" + min + ", " + max + "] bytes but was " + v);
            }
            return v;
        } catch (ConfigException e) {
            return fail(name, "expected a size such as 64m or 8k", min);
        }
    }

    /**
     * A list of objects; each element gets a reader whose keys read like {@code cluster.nodes[2].host} and whose
     * unknown keys (not among {@code allowedKeys}) are reported, since the unknown-key check does not enter lists.
     */
    List<SettingsReader> objects(String name, Set<String> allowedKeys) {
        List<? extends Config> list;
        try {
            list = config.getConfigList(key(name));
        } catch (ConfigException e) {
            return fail(name, "expected a list of objects", List.of());
        }
        List<SettingsReader> readers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Config element = list.get(i);
            SettingsReader reader = new SettingsReader(element, "", problems, key(name) + "[" + i + "]");
            for (String k : element.root().keySet()) {
                if (!allowedKeys.contains(k)) {
                    reader.problem(k, "unknown setting; expected keys among " + new TreeSet<>(allowedKeys));
                }
            }
            readers.add(reader);
        }
        return readers;
    }

    /**
     * An object of settings such as {@code { inner.steps = 20, outer.optimizer = "sgd" }}: each leaf's path (relative
     * to the object) and its plain Java value; empty and a problem when the value is not an object.
     */
    java.util.Map<String, Object> settingsObject(String name) {
        try {
            java.util.Map<String, Object> settings = new java.util.TreeMap<>();
            config.getConfig(key(name)).entrySet().forEach(e -> settings.put(e.getKey(), e.getValue().unwrapped()));
            return settings;
        } catch (ConfigException e) {
            return fail(name, "expected an object of settings such as { inner.steps = 20 }", java.util.Map.of());
        }
    }

    Duration duration(String name) {
        try {
            Duration d = config.getDuration(key(name));
            if (d.isNegative() || d.isZero()) {
                problem(name, "expected a positive duration such as 30s or 10m but was " + d);
            }
            return d;
        } catch (ConfigException e) {
            return fail(name, "expected a duration such as 30s or 10m", Duration.ofSeconds(1));
        }
    }

    private <T> T fail(String name, String expected, T placeholder) {
        if (!config.hasPath(key(name))) {
            problem(name, "missing; " + expected);
        } else {
            problem(name, expected + " but was " + config.getValue(key(name)).render());
        }
        return placeholder;
    }
}
