package dev.metareward.tensors.experiment;

import dev.metareward.config.ExperimentSettings;
import dev.metareward.tensors.baselines.BaselineResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The methods {@code experiment.methods} can name ({@link ExperimentSettings#KNOWN_METHODS}), with the label each
 * has in the report. A baseline is wired by one {@link #register} line here (and its name in KNOWN_METHODS).
 */
public final class Methods {

    /** A method's label in tables and plots and how to make it. */
    public record Entry(String label, Supplier<HeldOutMethod> factory) {
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        register("sft", "SFT", SftMethod::new);
        register("meta-test-initial-phi", "meta-test, initial phi", PhiMetaTestMethod::initialPhi);
        register(ExperimentSettings.LEARNED_PHI, "meta-test, learned phi", PhiMetaTestMethod::learnedPhi);
        register("meta-test-true-reward", "meta-test, true reward (ceiling)", BaselineMethods::trueReward);
        register("sft-continued", BaselineResult.SFT_CONTINUED, BaselineMethods::sftContinued);
        register("rm-mt-rwr-tr", BaselineResult.RM_MT_RWR_TR, () -> BaselineMethods.rewardModelThenRwr(false));
        register("rm-mt-rwr-tr-te", BaselineResult.RM_MT_RWR_TR_TE, () -> BaselineMethods.rewardModelThenRwr(true));
        register("dpo", BaselineResult.DPO, BaselineMethods::dpo);
        register("hpl", BaselineResult.HPL_TR, BaselineMethods::hpl);
    }

    private Methods() {
    }

    private static void register(String name, String label, Supplier<HeldOutMethod> factory) {
        ENTRIES.put(name, new Entry(label, factory));
    }

    /** The entry of a configured method name (validated by the config against KNOWN_METHODS). */
    public static Entry of(String name) {
        Entry entry = ENTRIES.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("no implementation registered for method \"" + name + "\"; registered: "
                    + ENTRIES.keySet());
        }
        return entry;
    }

    /** Every registered name, in registration order. */
    public static java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(ENTRIES.keySet());
    }
}
