package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DomainSamplerTest {

    private static final Batcher BATCHER = new Batcher(new ByteTokenizer(), 32, 8);

    private static List<SftSample> sft(String domain, int n) {
        List<SftSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new SftSample(domain, "p" + i, " r" + i));
        }
        return out;
    }

    private static List<PreferencePair> pref(String domain, int n) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PreferencePair(domain, "p" + i, " good" + i, " bad" + i));
        }
        return out;
    }

    private static DomainSampler sampler(String domain, long seed) {
        return new DomainSampler(domain, sft(domain, 13), pref(domain, 7), BATCHER, seed);
    }

    @Test
    void shouldYieldExactlyTheSameBatchesAfterRestoringAPosition() {
        DomainSampler original = sampler("books", 42);
        original.nextSftBatch(5);
        original.nextSftBatch(5); // 10 of 13: the next batch crosses into epoch 1
        original.nextPreferenceBatch(3);
        byte[] position = original.position();

        List<TokenBatch> expectedSft = new ArrayList<>();
        List<PreferenceBatch> expectedPref = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expectedSft.add(original.nextSftBatch(5));
            expectedPref.add(original.nextPreferenceBatch(4));
        }

        DomainSampler restored = sampler("books", 999); // a different seed: the position alone must decide
        restored.nextSftBatch(2);
        restored.restorePosition(position);
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(expectedSft.get(i).tokens(), restored.nextSftBatch(5).tokens(), "SFT batch " + i);
            PreferenceBatch p = restored.nextPreferenceBatch(4);
            assertArrayEquals(expectedPref.get(i).chosen().tokens(), p.chosen().tokens(), "pref batch " + i);
            assertArrayEquals(expectedPref.get(i).rejected().tokens(), p.rejected().tokens(), "pref batch " + i);
        }
    }

    @Test
    void shouldVisitEverySampleOncePerEpoch() {
        DomainSampler s = sampler("books", 1);
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<SftSample> seen = new HashSet<>(s.nextSftSamples(13));
            assertEquals(13, seen.size(), "epoch " + epoch);
        }
    }

    @Test
    void shouldReshuffleEachEpoch() {
        DomainSampler s = sampler("books", 1);
        assertNotEquals(s.nextSftSamples(13), s.nextSftSamples(13));
    }

    @Test
    void shouldBeDeterministicForASeedAndDifferAcrossSeedsAndDomains() {
        assertEquals(sampler("books", 5).nextSftSamples(13), sampler("books", 5).nextSftSamples(13));
        assertNotEquals(prompts(sampler("books", 5).nextSftSamples(13)),
                prompts(sampler("books", 6).nextSftSamples(13)));
        assertNotEquals(prompts(sampler("books", 5).nextSftSamples(13)),
                prompts(sampler("dvd", 5).nextSftSamples(13)));
    }

    private static List<String> prompts(List<SftSample> samples) {
        return samples.stream().map(SftSample::prompt).toList();
    }

    @Test
    void shouldRefuseAPositionOfAnotherDomainOrSplitSize() {
        byte[] dvd = sampler("dvd", 1).position();
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> sampler("books", 1).restorePosition(dvd));
        assertTrue(other.getMessage().contains("'dvd'"), other.getMessage());
        byte[] books = sampler("books", 1).position();
        DomainSampler bigger = new DomainSampler("books", sft("books", 14), pref("books", 7), BATCHER, 1);
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class,
                () -> bigger.restorePosition(books));
        assertTrue(changed.getMessage().contains("13"), changed.getMessage());
    }

    @Test
    void shouldNameTheDomainWhenItHasNoPreferencePairs() {
        DomainSampler s = new DomainSampler("kitchen", sft("kitchen", 3), List.of(), BATCHER, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.nextPreferenceBatch(2));
        assertTrue(e.getMessage().contains("kitchen"), e.getMessage());
    }
}
