package dev.metareward.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.cluster.testing.TinyRun;
import dev.metareward.config.ExperimentSettings;
import dev.metareward.tensors.experiment.Outcome;
import dev.metareward.tensors.experiment.ResultSet;
import dev.metareward.tensors.experiment.report.ExperimentReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metareward experiment} end to end on a tiny model and budget: leave-one-domain-out over three built-in
 * domains, two seeds, every method (the baselines and the ceiling row included), a beta sweep and a variant; the
 * report folder; a second run that reads the finished cells
 * back instead of computing them; the report of a partly finished grid; and a config naming an unknown method.
 */
class ExperimentCommandEndToEndTest {

    @TempDir
    Path tmp;

    private List<String> args(String... more) {
        List<String> args = new ArrayList<>(List.of("experiment", "--config",
                TinyRun.configFile("local.conf").toString()));
        List<String> settings = new ArrayList<>(List.of("outer.steps=2", "training.evaluate-every=1",
                "meta-test.temperatures=[0.5, 1.0]", "experiment.seeds=[1, 2]", "experiment.curve-every=1",
                "experiment.beta-sweep=[0.5, 1.0]", "experiment.domains=[books, dvd, kitchen]",
                "experiment.variants=[{ name = \"D = 1\", set { inner.steps = 1, hypergradient.mode = first-order } }]",
                "data.builtin.domains=[books, dvd, kitchen]", "baselines.reward-model.steps=2",
                "baselines.dpo.steps=2", "baselines.hpl.steps=2", "baselines.select-every=1",
                "experiment.output-dir=\"" + tmp.resolve("report") + "\""));
        settings.addAll(List.of(more));
        args.addAll(TinyRun.overrides(tmp.resolve("data"), tmp.resolve("run"), settings.toArray(String[]::new)));
        return args;
    }

    @Test
    void shouldRunTheGridWriteTheReportAndResumeFromFinishedCells() throws IOException {
        CliRun run = CliRun.of(args());
        assertEquals(0, run.exitCode(), run.err());
        Path report = tmp.resolve("report");
        for (String file : List.of(ExperimentReport.JSON, ExperimentReport.CSV, ExperimentReport.CURVES_CSV,
                ExperimentReport.JUDGE_CSV, ExperimentReport.TABLE, ExperimentReport.FIGURE_2,
                ExperimentReport.FIGURE_3, ExperimentReport.FIGURE_4, ExperimentReport.FIGURE_5,
                ExperimentCommand.RESOLVED_CONFIG)) {
            assertTrue(Files.isRegularFile(report.resolve(file)) && Files.size(report.resolve(file)) > 0,
                    file + " missing\n" + run.err());
        }
        ResultSet results = ResultSet.readJson(report.resolve(ExperimentReport.JSON));
        // 3 folds x 2 seeds x (9 methods + the sweep's beta 0.5 (beta 1.0 is the main row) + the variant) x 1
        // held-out domain
        assertEquals(3 * 2 * 11, results.outcomes().size());
        assertEquals(6, results.outcomes().stream().filter(o -> o.variant().equals("D = 1")
                && o.method().equals("meta-test-learned-phi") && !o.inTable3()).count());
        assertEquals(Set.copyOf(ExperimentSettings.KNOWN_METHODS),
                results.outcomes().stream().map(Outcome::method).collect(Collectors.toSet()));
        for (Outcome o : results.outcomes()) {
            assertEquals(o.fold(), o.domain(), "leave-one-domain-out holds out the fold's own domain");
            assertTrue(o.plAccuracy() >= 0 && o.plAccuracy() <= 1, o.toString());
            assertTrue(Double.isFinite(o.lmLoss()) && o.lmLoss() > 0, "held-out LM loss " + o.lmLoss());
            assertEquals(Set.of(0.5, 1.0), o.judgeScores().keySet());
        }
        List<Outcome> learned = results.outcomes().stream()
                .filter(o -> o.method().equals("meta-test-learned-phi") && o.variant().isEmpty()).toList();
        assertEquals(Set.of(0.5, 1.0), learned.stream().map(Outcome::beta).collect(Collectors.toSet()));
        for (Outcome o : learned) {
            double version = o.diagnostics().get("selected_phi_version");
            assertTrue(version >= 0 && version <= 2, "selected phi version " + version); // phi_0 is a candidate
            assertTrue(Double.isFinite(o.diagnostics().get("selection_pl_accuracy")), o.diagnostics().toString());
            // curve-every = 1 over meta-test.steps = 2: points at steps 0, 1, 2, the last one the reported policy
            assertEquals(List.of(0, 1, 2), o.curve().stream().map(Outcome.CurvePoint::step).toList());
            assertEquals(o.plAccuracy(), o.curve().get(2).plAccuracy(), 1e-12);
        }
        String table = Files.readString(report.resolve(ExperimentReport.TABLE));
        for (String expected : List.of("| SFT |", "| meta-test, initial phi |", "| meta-test, learned phi |",
                "| meta-test, true reward (ceiling) |", "| DPO |", "| RM-MT + RWR (TR+TE) |",
                "| books |", "| dvd |", "| kitchen |", "| mean |", "beta = 0.5", "## Variants of the learned phi",
                "| D = 1 |")) {
            assertTrue(table.contains(expected), expected + " not in\n" + table);
        }
        assertTrue(run.out().contains("Table 3"), run.out());

        CliRun again = CliRun.of(args());
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("read back from"), again.err());
        ResultSet second = ResultSet.readJson(report.resolve(ExperimentReport.JSON));
        assertEquals(results.outcomes().stream().map(Outcome::plAccuracy).toList(),
                second.outcomes().stream().map(Outcome::plAccuracy).toList());

        // the report of an interrupted grid: only the finished cells, nothing computed
        Files.delete(report.resolve(ExperimentReport.TABLE));
        try (var cells = Files.list(report.resolve("cells"))) {
            Path sftBooksSeed2 = cells.filter(p -> p.getFileName().toString().startsWith("sft_books_seed2_"))
                    .findFirst().orElseThrow();
            Files.delete(sftBooksSeed2);
        }
        List<String> reportOnly = new ArrayList<>(args());
        reportOnly.add("--report-only");
        CliRun partial = CliRun.of(reportOnly);
        assertEquals(0, partial.exitCode(), partial.err());
        ResultSet fromCells = ResultSet.readJson(report.resolve(ExperimentReport.JSON));
        assertEquals(results.outcomes().size() - 1, fromCells.outcomes().size());
        assertEquals(65, ((Number) fromCells.provenance().get("cells_finished")).intValue());
        String partialTable = Files.readString(report.resolve(ExperimentReport.TABLE));
        assertTrue(partialTable.contains("| SFT |") && partialTable.contains("Partial: 65 of 66 cells"), partialTable);
    }

    @Test
    void shouldComputeTheSameCellsWithSeedsOnParallelThreads() throws IOException {
        List<List<Outcome>> byMode = new ArrayList<>();
        for (int parallel : new int[] {1, 2}) {
            Path out = tmp.resolve("parallel-" + parallel);
            CliRun run = CliRun.of(args("experiment.methods=[\"sft\", \"meta-test-learned-phi\"]",
                    "experiment.beta-sweep=[]", "experiment.variants=[]", "experiment.parallel-seeds=" + parallel,
                    "experiment.output-dir=\"" + out + "\""));
            assertEquals(0, run.exitCode(), run.err());
            byMode.add(ResultSet.readJson(out.resolve(ExperimentReport.JSON)).outcomes());
        }
        // 3 folds x 2 seeds x 2 methods, in the grid's order (seed, fold, method) whichever seed finished first
        assertEquals(12, byMode.get(1).size());
        assertEquals(byMode.get(0).stream().map(o -> o.method() + "/" + o.fold() + "/" + o.seed()).toList(),
                byMode.get(1).stream().map(o -> o.method() + "/" + o.fold() + "/" + o.seed()).toList());
        assertEquals(byMode.get(0).stream().map(Outcome::plAccuracy).toList(),
                byMode.get(1).stream().map(Outcome::plAccuracy).toList());
        // float32 sums in ND4J's native ops may fold in another order under contention: equal to 1e-6 relative
        for (int i = 0; i < byMode.get(0).size(); i++) {
            double sequential = byMode.get(0).get(i).lmLoss();
            assertEquals(sequential, byMode.get(1).get(i).lmLoss(), 1e-6 * sequential, "LM loss of outcome " + i);
        }
    }

    @Test
    void shouldRefuseAnUnknownMethodNamingTheSetting() {
        CliRun run = CliRun.of(args("experiment.methods=[\"sft\", \"magic\"]"));
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("experiment.methods") && run.err().contains("magic"), run.err());
    }
}
