package dev.metareward.tensors.experiment;

import dev.metareward.config.DataSettings;
import dev.metareward.config.ExperimentSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * One split of the domains: preference data of {@code trainingDomains} may train (reward models, phi, DPO...);
 * {@code heldOutDomains} contribute only their SFT training data (which every method may use) until evaluation.
 *
 * @param name short label, e.g. "kitchen" (leave-one-domain-out) or "fold-2" (k-fold)
 */
public record Fold(String name, List<String> trainingDomains, List<String> heldOutDomains) {

    public Fold {
        trainingDomains = List.copyOf(trainingDomains);
        heldOutDomains = List.copyOf(heldOutDomains);
    }

    /** The folds of the experiment's protocol, in order (leave-one-domain-out: one per domain). */
    public static List<Fold> of(ExperimentSettings experiment, DataSettings data) {
        List<List<String>> groups = new ArrayList<>();
        if (experiment.protocol() == ExperimentSettings.Protocol.K_FOLD) {
            groups.addAll(experiment.groups());
        } else {
            List<String> domains = experiment.domains().isEmpty() ? data.allDomains() : experiment.domains();
            domains.forEach(d -> groups.add(List.of(d)));
        }
        List<Fold> folds = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            List<String> training = new ArrayList<>();
            for (int j = 0; j < groups.size(); j++) {
                if (j != i) {
                    training.addAll(groups.get(j));
                }
            }
            String name = experiment.protocol() == ExperimentSettings.Protocol.K_FOLD ? "fold-" + (i + 1)
                    : groups.get(i).get(0);
            folds.add(new Fold(name, training, groups.get(i)));
        }
        return folds;
    }

    /** Every domain of the fold, training first. */
    public List<String> allDomains() {
        List<String> all = new ArrayList<>(trainingDomains);
        all.addAll(heldOutDomains);
        return all;
    }
}
