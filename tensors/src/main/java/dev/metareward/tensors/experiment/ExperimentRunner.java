package dev.metareward.tensors.experiment;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.metareward.config.ExperimentSettings;
import dev.metareward.config.MetarewardConfig;
import dev.metareward.tensors.checkpoint.AtomicFiles;
import dev.metareward.tensors.data.DataSets;
import dev.metareward.tensors.data.DomainData;
import dev.metareward.tensors.judge.Judge;
import dev.metareward.tensors.judge.Judges;
import dev.metareward.tensors.model.transformer.NativeThreads;
import dev.metareward.tensors.pipeline.Fingerprints;
import dev.metareward.tensors.pipeline.HeldOutEvaluation;
import dev.metareward.tensors.pipeline.PhaseListener;
import dev.metareward.tensors.pipeline.WarmStartedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the grid of {@code experiment}: for each seed (several at once with {@code experiment.parallel-seeds}), the
 * warm-started base (shared by every fold and method of that seed: it trains on SFT data only, which every method
 * may use); for each fold and row (a method, or the learned phi
 * at a beta of the sweep or with a variant's settings), {@link HeldOutMethod#prepare} once, then the policy of each held-out domain and its scores. A finished
 * (method, fold, seed) cell is saved under {@code <output-dir>/cells/}, keyed by a fingerprint of its settings, so a
 * rerun of an interrupted experiment skips what is done.
 */
public final class ExperimentRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    /** What the runner reports while it works. */
    public interface Listener {
        /** One (method, fold, seed) cell of {@code total} is done (computed or read back from disk). */
        void onCell(int done, int total, String message);

        /** Progress inside a phase (base warm start, meta-training...). */
        PhaseListener phases();
    }

    /**
     * One row of the grid: a configured method ({@code settings} empty), or the learned phi with changed settings, as
     * a row of the beta sweep or as a named variant of experiment.variants.
     */
    record Variant(String method, String label, Kind kind, String name, Map<String, Object> settings) {
        enum Kind { TABLE_ROW, BETA_SWEEP, SETTINGS }

        /** The row's part of its cells' file names. */
        String id() {
            return kind == Kind.TABLE_ROW ? method : method + "-" + name.replaceAll("[^A-Za-z0-9.]+", "_");
        }

        /** The variant's name in outcomes; empty for a Table 3 row or a beta-sweep row (those are told by beta). */
        String outcomeVariant() {
            return kind == Kind.SETTINGS ? name : "";
        }
    }

    private final MetarewardConfig config;
    private final Listener listener;

    /**
     * @param config the experiment's settings (experiment block, plus everything the methods read)
     * @param listener progress
     */
    public ExperimentRunner(MetarewardConfig config, Listener listener) {
        this.config = config;
        this.listener = listener;
    }

    /** The rows of the grid: the configured methods, then the beta sweep's and experiment.variants' learned phis. */
    static List<Variant> variants(MetarewardConfig config) {
        ExperimentSettings e = config.experiment();
        List<Variant> variants = new ArrayList<>();
        for (String method : e.methods()) {
            variants.add(new Variant(method, Methods.of(method).label(), Variant.Kind.TABLE_ROW, method, Map.of()));
        }
        String learned = Methods.of(ExperimentSettings.LEARNED_PHI).label();
        for (double beta : e.betaSweep()) {
            if (beta != config.inner().beta()) {
                variants.add(new Variant(ExperimentSettings.LEARNED_PHI, learned + " (beta=" + beta + ")",
                        Variant.Kind.BETA_SWEEP, "beta" + beta, Map.of("inner.beta", beta)));
            }
        }
        for (ExperimentSettings.Variant v : e.variants()) {
            variants.add(new Variant(ExperimentSettings.LEARNED_PHI, learned + " [" + v.name() + "]",
                    Variant.Kind.SETTINGS, v.name(), v.settings()));
        }
        return variants;
    }

    /** One (row, fold, seed) of the grid with its settings and the file its outcomes are kept in. */
    record Cell(Variant variant, Fold fold, long seed, MetarewardConfig config, Path file) {
    }

    /** Seeds run at a time: {@code experiment.parallel-seeds}, at most one per distinct seed. */
    private int parallelSeeds() {
        return (int) Math.min(config.experiment().parallelSeeds(), config.experiment().seeds().stream().distinct()
                .count());
    }

    /** Every cell of the grid, seed by seed (so an interrupted run has whole seeds first), then fold, then row. */
    List<Cell> cells() {
        ExperimentSettings e = config.experiment();
        List<Fold> folds = Fold.of(e, config.data());
        List<Cell> cells = new ArrayList<>();
        // Seeds on parallel threads already fill the cores: each model call then runs on its own thread alone.
        boolean parallelSeeds = parallelSeeds() > 1;
        for (long seed : e.seeds()) {
            MetarewardConfig seedConfig = config.with(Map.of("run.seed", seed,
                    "run.output-dir", e.outputDir().toString()));
            if (parallelSeeds) {
                seedConfig = seedConfig.with("device.cpu-threads", 1);
            }
            for (Fold fold : folds) {
                MetarewardConfig foldConfig = forFold(seedConfig, fold);
                for (Variant variant : variants(config)) {
                    MetarewardConfig cellConfig = variant.settings().isEmpty() ? foldConfig
                            : foldConfig.forVariant(new ExperimentSettings.Variant(variant.name(), variant.settings()));
                    cells.add(new Cell(variant, fold, seed, cellConfig,
                            cellFile(e.outputDir(), variant, fold, seed, cellConfig)));
                }
            }
        }
        return cells;
    }

    /**
     * Runs every cell that is not finished yet (reading finished ones back) and returns all outcomes, in the order
     * of {@link #cells()}. Seeds run {@code experiment.parallel-seeds} at a time, each on its own thread with its own
     * warm-started model and judge; a seed's cells run in order on its thread.
     */
    public ResultSet run() {
        long started = System.nanoTime();
        List<Cell> cells = cells();
        LOG.info("experiment: folds {} x seeds {} x {} row(s) = {} cells", Fold.of(config.experiment(), config.data())
                        .stream().map(Fold::name).toList(), config.experiment().seeds(), variants(config).size(),
                cells.size());
        Map<Long, List<Cell>> bySeed = new LinkedHashMap<>();
        cells.forEach(cell -> bySeed.computeIfAbsent(cell.seed(), s -> new ArrayList<>()).add(cell));
        // Generated (if missing) once here: seeds on parallel threads would otherwise race to write the files.
        String dataFingerprint = Fingerprints.ofData(DataSets.loadOrGenerate(cells.get(0).config()));
        int parallel = parallelSeeds();
        if (parallel > 1) {
            // Each seed's thread is one stream of small ops: ND4J's and OpenBLAS's own threads on top of it would
            // over-subscribe the cores (measured: 3 seeds x 2 native threads on 2 cores ran slower than 1 seed).
            NativeThreads.useOne();
            LOG.info("{} seeds at a time, one native thread each", parallel);
        }
        AtomicInteger done = new AtomicInteger();
        List<Callable<List<Outcome>>> seeds = new ArrayList<>();
        for (List<Cell> seedCells : bySeed.values()) {
            seeds.add(() -> runSeed(seedCells, done, cells.size()));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (List<Outcome> seedOutcomes : invokeAll(seeds, parallel)) {
            outcomes.addAll(seedOutcomes);
        }
        Map<String, Object> provenance = provenance(cells.size(), cells.size());
        provenance.put("data_sha256", dataFingerprint);
        provenance.put("wall_seconds", (System.nanoTime() - started) / 1e9);
        return new ResultSet(provenance, outcomes);
    }

    /** One seed's cells in order; the seed's warm start and judge are prepared at its first unfinished cell. */
    private List<Outcome> runSeed(List<Cell> seedCells, AtomicInteger done, int total) {
        List<Outcome> outcomes = new ArrayList<>();
        WarmStartedModel prepared = null;
        Judge judge = null;
        for (Cell cell : seedCells) {
            List<Outcome> result = Files.isRegularFile(cell.file()) ? readCell(cell.file()) : null;
            if (result == null) {
                if (prepared == null) {
                    // The warm start of this seed, shared by all its folds and rows (loaded from base/ when cached).
                    prepared = WarmStartedModel.prepare(cell.config(), listener.phases());
                    WarmStartedModel base = prepared;
                    // judge.kind decides; the Bradley-Terry judge trains a copy of the model, never the shared one.
                    judge = Judges.create(cell.config(), base.data(), () -> base.model().copyWithSameBase().reward(),
                            base.batcher());
                }
                FoldContext context = new FoldContext(cell.config(), cell.fold(), prepared.data(), prepared.batcher(),
                        prepared.model(), judge, listener.phases());
                result = runCell(cell.variant(), context);
                writeCell(cell.file(), result);
            } else {
                LOG.info("{} / fold {} / seed {}: read back from {}", cell.variant().label(), cell.fold().name(),
                        cell.seed(), cell.file());
            }
            outcomes.addAll(result);
            String message = String.format("%s, fold %s, seed %d: PL accuracy %s", cell.variant().label(),
                    cell.fold().name(), cell.seed(), result.stream().map(o -> String.format("%.3f", o.plAccuracy()))
                            .toList());
            synchronized (listener) {
                listener.onCell(done.incrementAndGet(), total, message);
            }
        }
        return outcomes;
    }

    /**
     * Runs {@code tasks} on {@code threads} threads (one thread runs them in order) and returns their results in
     * order; the first failure wins.
     */
    private static <T> List<T> invokeAll(List<Callable<T>> tasks, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, tasks.size())));
        try {
            List<Future<T>> futures = new ArrayList<>();
            tasks.forEach(task -> futures.add(pool.submit(task)));
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException ex) {
            pool.shutdownNow();
            if (ex.getCause() instanceof Error error) {
                throw error;
            }
            throw ex.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(ex.getCause());
        } catch (InterruptedException ex) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the seeds", ex);
        } finally {
            pool.shutdown();
        }
    }

    /**
     * The outcomes of the cells finished so far, computing nothing: the report of an experiment still running or
     * interrupted (provenance says how many cells of the grid it holds).
     */
    public ResultSet finished() {
        List<Cell> cells = cells();
        List<Outcome> outcomes = new ArrayList<>();
        int finished = 0;
        for (Cell cell : cells) {
            List<Outcome> result = Files.isRegularFile(cell.file()) ? readCell(cell.file()) : null;
            if (result != null) {
                outcomes.addAll(result);
                finished++;
            }
        }
        return new ResultSet(provenance(finished, cells.size()), outcomes);
    }

    private Map<String, Object> provenance(int finishedCells, int totalCells) {
        ExperimentSettings e = config.experiment();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("run_id", config.run().id());
        provenance.put("protocol", e.protocol().toString());
        provenance.put("folds", Fold.of(e, config.data()));
        provenance.put("seeds", e.seeds());
        provenance.put("cells_finished", finishedCells);
        provenance.put("cells_in_grid", totalCells);
        provenance.put("config_sha256", Fingerprints.of(config.render(false)));
        provenance.put("meta_test_steps", config.metaTest().steps());
        provenance.put("temperatures", config.metaTest().temperatures());
        provenance.put("java", System.getProperty("java.version"));
        provenance.put("processors", Runtime.getRuntime().availableProcessors());
        return provenance;
    }

    /** {@code base} with the fold's training and held-out domains. */
    static MetarewardConfig forFold(MetarewardConfig base, Fold fold) {
        return base.with(Map.of("data.training-domains", fold.trainingDomains(),
                "data.held-out-domains", fold.heldOutDomains()));
    }

    private List<Outcome> runCell(Variant variant, FoldContext context) {
        long started = System.nanoTime();
        HeldOutMethod.Prepared prepared = Methods.of(variant.method()).factory().get().prepare(context);
        double preparation = (System.nanoTime() - started) / 1e9;
        HeldOutEvaluation evaluation = context.evaluation();
        List<Outcome> outcomes = new ArrayList<>();
        for (String domain : context.fold().heldOutDomains()) {
            long domainStarted = System.nanoTime();
            DomainData data = context.data().domain(domain);
            List<Outcome.CurvePoint> curve = new ArrayList<>();
            INDArray[] lastObserved = new INDArray[1];
            INDArray theta = prepared.policyFor(data, (step, t) -> {
                curve.add(new Outcome.CurvePoint(step, evaluation.plAccuracy(t, data.prefAll())));
                lastObserved[0] = t;
            });
            // The curve's last point is usually the returned policy itself: its accuracy is already known.
            double accuracy = theta == lastObserved[0] ? curve.get(curve.size() - 1).plAccuracy()
                    : evaluation.plAccuracy(theta, data.prefAll());
            HeldOutEvaluation.GenerationScores generations = evaluation.generationScores(theta, data);
            outcomes.add(new Outcome(variant.method(), variant.label(), variant.kind() == Variant.Kind.BETA_SWEEP,
                    context.config().inner().beta(), variant.outcomeVariant(), context.fold().name(), context.seed(), domain, accuracy,
                    evaluation.lmLoss(theta, data.sftEval()), generations.winRate(), generations.scoresByTemperature(),
                    curve, prepared.diagnostics(), preparation + (System.nanoTime() - domainStarted) / 1e9));
        }
        return outcomes;
    }

    /**
     * The cell's file: named by row, fold and seed, and by a fingerprint of every setting that can change its
     * numbers (all but the experiment block), so a changed setting is computed afresh. {@code device.cpu-threads}
     * is left out: like the BLAS build and the machine, it changes a cell's numbers in the last bits only, and it
     * follows {@code parallel-seeds}.
     */
    private static Path cellFile(Path out, Variant variant, Fold fold, long seed, MetarewardConfig cellConfig) {
        String settings = cellConfig.resolved().getConfig(MetarewardConfig.ROOT).withoutPath("experiment")
                .withoutPath("device.cpu-threads").root().render(com.typesafe.config.ConfigRenderOptions.concise());
        String key = Fingerprints.of(settings, variant.id(), fold.toString()).substring(0, 12);
        return out.resolve("cells").resolve(variant.id() + "_" + fold.name() + "_seed" + seed + "_" + key + ".json");
    }

    private static List<Outcome> readCell(Path file) {
        try {
            return ResultSet.mapper().readValue(file.toFile(), new TypeReference<List<Outcome>>() { });
        } catch (IOException ex) {
            LOG.warn("{} is unreadable ({}); computing the cell again", file, ex.getMessage());
            return null;
        }
    }

    private static void writeCell(Path file, List<Outcome> cell) {
        try {
            byte[] json = ResultSet.mapper().writeValueAsString(cell).getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(file, stream -> stream.write(json));
        } catch (IOException ex) {
            throw new UncheckedIOException("could not write " + file + ": " + ex.getMessage(), ex);
        }
    }
}
