package dev.metareward.cluster.node;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line that starts another metareward process exactly like this one: same java, same JVM flags (heap,
 * Vector API module, JavaCPP cache; debugger and agent flags left out, as their ports would clash), same class path.
 * launch-local starts its nodes with it, and the multi-process tests start theirs.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** {@code java <flags> -cp <class path> <mainClass> <args>} */
    public static List<String> command(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!flag.startsWith("-agentlib") && !flag.startsWith("-javaagent") && !flag.startsWith("-Xrunjdwp")) {
                command.add(flag);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /** A process builder for {@link #command} with ND4J's environment (passive OpenMP waits) and {@code env} added. */
    public static ProcessBuilder builder(String mainClass, List<String> args, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command(mainClass, args));
        builder.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        builder.environment().putAll(env);
        return builder;
    }
}
