package dev.metareward.tensors.data.builtin;

import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import java.util.List;

/** The records of a generated data set, in file order (domain by domain). */
public record GeneratedData(List<SftSample> sft, List<PreferencePair> pref) {
    public GeneratedData {
        sft = List.copyOf(sft);
        pref = List.copyOf(pref);
    }
}
