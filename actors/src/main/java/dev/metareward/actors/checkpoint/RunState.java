package dev.metareward.actors.checkpoint;

import dev.metareward.tensors.bilevel.OuterOptimizer;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The coordinator's state at a version: what a checkpoint holds and a resumed run starts from.
 *
 * @param runId the run it belongs to
 * @param version number of updates applied to phi
 * @param phi phi at {@code version} (a copy owned by this record)
 * @param optimizer the outer optimizer's state
 * @param domains resume point of every training domain that has contributed; a domain without an entry starts its
 *                data from the beginning
 */
public record RunState(String runId, long version, INDArray phi, OuterOptimizer.OptimizerState optimizer,
                       Map<String, DomainResume> domains) {

    public RunState {
        domains = Map.copyOf(domains);
    }
}
