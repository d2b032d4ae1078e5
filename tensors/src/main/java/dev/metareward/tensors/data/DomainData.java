package dev.metareward.tensors.data;

import java.util.List;
import java.util.Objects;

/** The samples of one domain, each kind split into a training and an evaluation part. */
public record DomainData(String domain, List<SftSample> sftTrain, List<SftSample> sftEval,
                         List<PreferencePair> prefTrain, List<PreferencePair> prefEval) {

    public DomainData {
        Objects.requireNonNull(domain, "domain");
        sftTrain = List.copyOf(sftTrain);
        sftEval = List.copyOf(sftEval);
        prefTrain = List.copyOf(prefTrain);
        prefEval = List.copyOf(prefEval);
    }

    /** Training then evaluation SFT samples. */
    public List<SftSample> sftAll() {
        return java.util.stream.Stream.concat(sftTrain.stream(), sftEval.stream()).toList();
    }

    /** Training then evaluation preference pairs (e.g. for evaluating on a held-out domain). */
    public List<PreferencePair> prefAll() {
        return java.util.stream.Stream.concat(prefTrain.stream(), prefEval.stream()).toList();
    }
}
