package dev.metareward.actors.coordinator;

import dev.metareward.actors.aggregation.AggregationPolicy;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.config.TimeoutSettings;
import dev.metareward.config.TrainingSettings;
import java.util.List;

/**
 * What a coordinator needs to know about its run.
 *
 * @param runId the run id; contributions of other runs are rejected
 * @param trainingDomains the training domains, in the order their contributions are summed in sync mode
 * @param training mode, staleness bound and scaling, checkpoint and evaluation intervals
 * @param timeouts timeouts.contribution bounds a round, timeouts.ask every ask of the intake stream
 * @param targetVersion the version at which the run has reached its outer.steps updates
 */
public record CoordinatorSettings(String runId, List<String> trainingDomains, TrainingSettings training,
                                  TimeoutSettings timeouts, long targetVersion) {

    /** The coordinator of the run {@code config} describes: its training domains, up to outer.steps versions. */
    public static CoordinatorSettings of(MetarewardConfig config) {
        return new CoordinatorSettings(config.run().id(), config.data().trainingDomains(), config.training(),
                config.timeouts(), config.outer().steps());
    }

    public CoordinatorSettings {
        trainingDomains = List.copyOf(trainingDomains);
        if (trainingDomains.isEmpty()) {
            throw new IllegalArgumentException("a coordinator needs at least one training domain");
        }
    }

    /** The aggregation policy training.mode selects. */
    public AggregationPolicy policy() {
        return AggregationPolicy.from(training);
    }
}
