package dev.metareward.tensors.bilevel;

import dev.metareward.config.HypergradientSettings;
import dev.metareward.config.InnerSettings;
import dev.metareward.config.OuterSettings;
import dev.metareward.tensors.model.PolicyModel;
import dev.metareward.tensors.model.RewardModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Algorithm 1 in one process, sync mode: every outer step computes one contribution per training domain with the
 * current phi, averages them (the expectation over the meta-distribution taken exactly over the training domains),
 * applies the outer optimizer and bumps the version. A refused (non-finite) update leaves phi and the version as
 * they were. The distributed version (actors) computes the same {@link DomainMetaStep}s on its workers and applies
 * them with the same {@link OuterRound}.
 */
public final class MetaTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(MetaTrainer.class);

    /** Called after every outer step (progress bars, metrics, checkpoints). */
    @FunctionalInterface
    public interface Listener {
        void onOuterStep(OuterStepRecord record);
    }

    /**
     * What one outer step did.
     *
     * @param step 1-based outer step number of this trainer
     * @param phiVersion version of phi the contributions were computed with
     * @param applied whether the optimizer accepted the averaged gradient (then the version is now phiVersion + 1)
     * @param meanOuterLoss mean loss_PL over the domains, at phi_{phiVersion}
     * @param outerLossByDomain loss_PL of each domain
     * @param gradientNorm L2 norm of the averaged hypergradient (before clipping)
     * @param clampedRewards inner-loop rewards clamped over all domains
     * @param seconds wall time of the step
     */
    public record OuterStepRecord(long step, long phiVersion, boolean applied, double meanOuterLoss,
                                  Map<String, Double> outerLossByDomain, double gradientNorm, int clampedRewards,
                                  double seconds) {
        public OuterStepRecord {
            outerLossByDomain = Map.copyOf(outerLossByDomain);
        }
    }

    private final List<DomainMetaStep> domains;
    private final OuterOptimizer optimizer;
    private final INDArray phi;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long version;
    private long stepsTaken;

    /**
     * @param domains one meta step per training domain
     * @param optimizer the outer optimizer (its state may have been restored)
     * @param phi the current phi; updated in place by {@link #step()}
     * @param version the version of {@code phi}
     */
    public MetaTrainer(List<DomainMetaStep> domains, OuterOptimizer optimizer, INDArray phi, long version) {
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("meta-training needs at least one training domain");
        }
        this.domains = List.copyOf(domains);
        this.optimizer = optimizer;
        this.phi = phi;
        this.version = version;
    }

    /** A trainer over {@code batches} (one per training domain) starting from a copy of {@code phi0} at version 0. */
    public static MetaTrainer create(PolicyModel policy, RewardModel reward, List<DomainBatches> batches,
                                     InnerSettings inner, OuterSettings outer, HypergradientSettings hypergradient,
                                     INDArray phi0) {
        List<DomainMetaStep> steps = new ArrayList<>();
        for (DomainBatches b : batches) {
            steps.add(new DomainMetaStep(policy, reward, b, inner, outer, hypergradient));
        }
        return new MetaTrainer(steps, OuterOptimizer.create(outer, reward.parameterCount()), phi0.dup(), 0);
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** One outer step over all domains. */
    public OuterStepRecord step() {
        long start = System.nanoTime();
        long usedVersion = version;
        List<INDArray> hypergradients = new ArrayList<>(domains.size());
        Map<String, Double> losses = new LinkedHashMap<>();
        double lossSum = 0;
        int clamped = 0;
        for (DomainMetaStep domain : domains) {
            DomainMetaStep.Result result = domain.computeWithDiagnostics(phi, usedVersion);
            Contribution c = result.contribution();
            hypergradients.add(c.hypergradient());
            losses.put(c.domain(), c.outerLoss());
            lossSum += c.outerLoss();
            clamped += result.diagnostics().clampedRewards();
        }
        OuterRound.Result round = OuterRound.apply(optimizer, phi, hypergradients);
        double norm = round.meanGradient().norm2Number().doubleValue();
        boolean applied = round.applied();
        if (applied) {
            version++;
        }
        stepsTaken++;
        OuterStepRecord record = new OuterStepRecord(stepsTaken, usedVersion, applied, lossSum / domains.size(), losses,
                norm, clamped, (System.nanoTime() - start) / 1e9);
        LOG.debug("outer step {}: version {} -> {}, mean loss_PL {}, |g| {}", stepsTaken, usedVersion, version,
                record.meanOuterLoss(), norm);
        for (Listener listener : listeners) {
            listener.onOuterStep(record);
        }
        return record;
    }

    /** {@code steps} outer steps; returns their records in order. */
    public List<OuterStepRecord> train(int steps) {
        List<OuterStepRecord> records = new ArrayList<>(steps);
        for (int s = 0; s < steps; s++) {
            records.add(step());
        }
        return records;
    }

    /** The live phi (updated in place); dup() it to keep a snapshot. */
    public INDArray phi() {
        return phi;
    }

    public long version() {
        return version;
    }

    public OuterOptimizer optimizer() {
        return optimizer;
    }

    /** The data position of every domain, for checkpoints. */
    public Map<String, byte[]> dataPositions() {
        Map<String, byte[]> positions = new LinkedHashMap<>();
        for (DomainMetaStep domain : domains) {
            positions.put(domain.domain(), domain.batches().position());
        }
        return positions;
    }

    /**
     * Resumes from a checkpoint: phi, version, optimizer state and each domain's data position.
     *
     * @throws IllegalArgumentException when phi has another length or a training domain has no saved position
     */
    public void resume(INDArray savedPhi, long savedVersion, OuterOptimizer.OptimizerState state,
                       Map<String, byte[]> positions) {
        if (savedPhi.length() != phi.length()) {
            throw new IllegalArgumentException("the saved phi has " + savedPhi.length() + " entries but the reward model "
                    + "has " + phi.length() + " parameters");
        }
        for (DomainMetaStep domain : domains) {
            if (!positions.containsKey(domain.domain())) {
                throw new IllegalArgumentException("the checkpoint has no data position for training domain '"
                        + domain.domain() + "'; it holds " + positions.keySet());
            }
        }
        optimizer.restore(state);
        phi.assign(savedPhi.castTo(phi.dataType()).reshape(phi.shape()));
        version = savedVersion;
        for (DomainMetaStep domain : domains) {
            domain.batches().restorePosition(positions.get(domain.domain()));
        }
    }
}
