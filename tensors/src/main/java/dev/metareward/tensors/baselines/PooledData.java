package dev.metareward.tensors.baselines;

import dev.metareward.tensors.data.Batcher;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.data.DomainSampler;
import dev.metareward.tensors.data.PreferencePair;
import dev.metareward.tensors.data.SftSample;
import dev.metareward.tensors.data.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Samplers over the pooled training splits of several domains: a baseline that learns from "the training domains"
 * draws each batch from all of their samples in one seeded shuffled order, so a domain contributes in proportion to
 * its size. Only training splits are pooled; evaluation splits stay untouched for model selection and PL accuracy.
 */
final class PooledData {

    private PooledData() {
    }

    /** The training-split preference pairs of {@code domains}. */
    static DomainSampler preferences(String purpose, List<DomainData> domains, Batcher batcher, long seed) {
        List<PreferencePair> pairs = pool(purpose, domains, DomainData::prefTrain, "preference pairs");
        return new DomainSampler(name(purpose, domains), List.of(), pairs, batcher, derive(seed, purpose, domains));
    }

    /** The training-split SFT samples of {@code domains}. */
    static DomainSampler sft(String purpose, List<DomainData> domains, Batcher batcher, long seed) {
        List<SftSample> samples = pool(purpose, domains, DomainData::sftTrain, "SFT samples");
        return new DomainSampler(name(purpose, domains), samples, List.of(), batcher, derive(seed, purpose, domains));
    }

    static List<String> names(List<DomainData> domains) {
        return domains.stream().map(DomainData::domain).toList();
    }

    private static <T> List<T> pool(String purpose, List<DomainData> domains, Function<DomainData, List<T>> split,
                                    String what) {
        if (domains.isEmpty()) {
            throw new IllegalArgumentException(purpose + " needs at least one domain but got none");
        }
        List<T> all = new ArrayList<>();
        for (DomainData d : domains) {
            all.addAll(split.apply(d));
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException(purpose + " needs " + what + " but the training splits of domains "
                    + names(domains) + " have none; check the data files and data.eval-fraction");
        }
        return all;
    }

    private static String name(String purpose, List<DomainData> domains) {
        return purpose + " " + names(domains);
    }

    private static long derive(long seed, String purpose, List<DomainData> domains) {
        return SplitMix64.derive(seed, "baseline", purpose, String.join(",", names(domains)));
    }

    /** {@code a} followed by {@code b}. */
    static List<DomainData> concat(List<DomainData> a, List<DomainData> b) {
        List<DomainData> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
