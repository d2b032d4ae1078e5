package dev.metareward.tensors.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.metareward.config.MetarewardConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The folds of both protocols. */
class FoldTest {

    @Test
    void shouldHoldOutEachDomainOnceInLeaveOneDomainOutDefaultingToTheRunsDomains() {
        MetarewardConfig config = MetarewardConfig.defaults();
        List<Fold> folds = Fold.of(config.experiment(), config.data());
        assertEquals(List.of("books", "dvd", "electronics", "kitchen"), folds.stream().map(Fold::name).toList());
        assertEquals(new Fold("dvd", List.of("books", "electronics", "kitchen"), List.of("dvd")), folds.get(1));
    }

    @Test
    void shouldHoldOutEachGroupOnceInKFold() {
        MetarewardConfig config = MetarewardConfig.defaults().with(Map.of("experiment.protocol", "k-fold",
                "experiment.groups", List.of(List.of("books", "dvd"), List.of("electronics"), List.of("kitchen"))));
        List<Fold> folds = Fold.of(config.experiment(), config.data());
        assertEquals(List.of(
                new Fold("fold-1", List.of("electronics", "kitchen"), List.of("books", "dvd")),
                new Fold("fold-2", List.of("books", "dvd", "kitchen"), List.of("electronics")),
                new Fold("fold-3", List.of("books", "dvd", "electronics"), List.of("kitchen"))), folds);
    }
}
