package dev.metareward.tensors.experiment.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.experiment.Outcome;
import dev.metareward.tensors.experiment.ResultSet;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report from a small fixed result set (two methods, two held-out domains, three seeds, one beta-sweep row):
 * every file is written, the PNGs decode to images, and table3.md holds mean ± half-width of the 95% Student-t
 * interval computed here independently (the t quantile by bisection on the closed-form t CDF of Abramowitz &amp;
 * Stegun 26.7.3), with the best mean of each column in bold.
 */
class ExperimentReportTest {

    private static final String SFT = "SFT";
    private static final String LEARNED = "meta-test, learned phi";
    private static final List<String> DOMAINS = List.of("books", "kitchen");
    private static final long[] SEEDS = {1, 2, 3};
    private static final String VARIANT = "D = 20";

    @TempDir
    Path dir;

    /** PL accuracy of (method, domain, seed): the learned phi is better on books, worse on kitchen. */
    private static double accuracy(String label, String domain, int seedIndex) {
        double base = label.equals(SFT) ? 0.55 : domain.equals("books") ? 0.62 : 0.50;
        return base + 0.01 * seedIndex * seedIndex - (domain.equals("kitchen") ? 0.003 * seedIndex : 0);
    }

    /** The variant's PL accuracy: 0.02 above the learned phi's on books, 0.01 below plus seed noise on kitchen. */
    private static double variantAccuracy(String domain, int seedIndex) {
        return accuracy(LEARNED, domain, seedIndex) + (domain.equals("books") ? 0.02 : -0.01 + 0.004 * seedIndex);
    }

    private static double lmLoss(String label, int seedIndex) {
        return (label.equals(SFT) ? 0.80 : 0.95) + 0.02 * seedIndex;
    }

    private static ResultSet fixedResults() {
        List<Outcome> outcomes = new ArrayList<>();
        for (String label : List.of(SFT, LEARNED)) {
            for (String domain : DOMAINS) {
                for (int s = 0; s < SEEDS.length; s++) {
                    double acc = accuracy(label, domain, s);
                    List<Outcome.CurvePoint> curve = label.equals(SFT) ? List.of(new Outcome.CurvePoint(0, acc))
                            : List.of(new Outcome.CurvePoint(0, 0.55), new Outcome.CurvePoint(10, (0.55 + acc) / 2),
                            new Outcome.CurvePoint(20, acc));
                    Map<Double, double[]> judge = Map.of(0.5, new double[]{s, 1 + s, 2 + s},
                            1.0, new double[]{-s, 0.5, label.equals(SFT) ? 1 : 3});
                    outcomes.add(new Outcome(label.equals(SFT) ? "sft" : "meta-test-learned-phi", label, false, 1.0,
                            "", domain, SEEDS[s], domain, acc, lmLoss(label, s), 0.25 + 0.1 * s, judge, curve,
                            label.equals(SFT) ? Map.of() : Map.of("selection_pl_accuracy", 0.6), 12.5));
                }
            }
        }
        for (String domain : DOMAINS) {
            for (int s = 0; s < SEEDS.length; s++) {
                outcomes.add(new Outcome("meta-test-learned-phi", LEARNED + " (beta=0.5)", true, 0.5, "", domain,
                        SEEDS[s], domain, 0.58 + 0.01 * s, 1.0, 0.3, Map.of(1.0, new double[]{0.1}), List.of(), Map.of(),
                        3));
                outcomes.add(new Outcome("meta-test-learned-phi", LEARNED + " [" + VARIANT + "]", false, 1.0, VARIANT,
                        domain, SEEDS[s], domain, variantAccuracy(domain, s), lmLoss(LEARNED, s) - 0.01, 0.3,
                        Map.of(1.0, new double[]{0.2}), List.of(), Map.of("selection_pl_accuracy", 0.7 + 0.01 * s),
                        4));
            }
        }
        return new ResultSet(Map.of("protocol", "LEAVE_ONE_DOMAIN_OUT"), outcomes);
    }

    @Test
    void shouldWriteEveryFileWithDecodablePlots() throws IOException {
        ExperimentReport.write(fixedResults(), dir);
        for (String file : List.of(ExperimentReport.JSON, ExperimentReport.CSV, ExperimentReport.CURVES_CSV,
                ExperimentReport.JUDGE_CSV, ExperimentReport.TABLE)) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
        for (String png : List.of(ExperimentReport.FIGURE_2, ExperimentReport.FIGURE_3, ExperimentReport.FIGURE_4,
                ExperimentReport.FIGURE_5)) {
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(image, png + " is not a PNG");
            assertTrue(image.getWidth() > 100 && image.getHeight() > 100, png);
        }
        // 12 main outcomes + 6 beta-sweep rows + 6 variant rows, one CSV line each after the header
        assertEquals(1 + 24, Files.readAllLines(dir.resolve(ExperimentReport.CSV)).size());
        ResultSet back = ResultSet.readJson(dir.resolve(ExperimentReport.JSON));
        assertEquals(fixedResults().outcomes().size(), back.outcomes().size());
        assertTrue(Arrays.equals(fixedResults().outcomes().get(4).judgeScores().get(0.5),
                back.outcomes().get(4).judgeScores().get(0.5)));
    }

    @Test
    void shouldPutIndependentlyComputedIntervalsInTable3AndBoldTheBest() throws IOException {
        ExperimentReport.write(fixedResults(), dir);
        String table = Files.readString(dir.resolve(ExperimentReport.TABLE));
        String plSection = section(table, "## Table 3");
        String lossSection = section(table, "## Held-out LM loss");

        // books: the learned phi is best; kitchen: SFT is best; the mean column pools 6 values (df = 5)
        String learnedBooks = cell(LEARNED, "books", 2);
        String sftBooks = cell(SFT, "books", 2);
        String sftKitchen = cell(SFT, "kitchen", 2);
        String learnedKitchen = cell(LEARNED, "kitchen", 2);
        assertTrue(plSection.contains("| " + LEARNED + " | **" + learnedBooks + "** | " + learnedKitchen + " |"),
                learnedBooks + " / " + learnedKitchen + "\n" + plSection);
        assertTrue(plSection.contains("| " + SFT + " | " + sftBooks + " | **" + sftKitchen + "** |"), plSection);
        double[] sftAll = values(SFT);
        double[] learnedAll = values(LEARNED);
        String sftMean = format(sftAll, 5);
        String learnedMean = format(learnedAll, 5);
        boolean learnedBetter = mean(learnedAll) > mean(sftAll);
        assertTrue(plSection.contains((learnedBetter ? "**" + learnedMean + "**" : learnedMean) + " |\n"), plSection);
        assertTrue(plSection.contains((learnedBetter ? sftMean : "**" + sftMean + "**") + " |\n"), plSection);

        // lower LM loss is better: SFT's row is bold in every column
        double[] sftLoss = {lmLoss(SFT, 0), lmLoss(SFT, 1), lmLoss(SFT, 2)};
        assertTrue(lossSection.contains("| " + SFT + " | **" + format(sftLoss, 2) + "** |"), lossSection);
        assertFalse(lossSection.contains("| " + LEARNED + " | **"), lossSection);
        assertTrue(table.contains("## Beta sweep") && table.contains("| beta = 0.5 |"), table);
        assertFalse(plSection.contains(VARIANT), "a variant is not a Table 3 row\n" + plSection);
    }

    @Test
    void shouldPairEachVariantWithTheDefaultLearnedPhi() throws IOException {
        ExperimentReport.write(fixedResults(), dir);
        String variants = section(Files.readString(dir.resolve(ExperimentReport.TABLE)), "## Variants of the learned phi");
        double[] differences = new double[DOMAINS.size() * SEEDS.length];
        int i = 0;
        for (String domain : DOMAINS) {
            for (int s = 0; s < SEEDS.length; s++) {
                differences[i++] = variantAccuracy(domain, s) - accuracy(LEARNED, domain, s);
            }
        }
        assertTrue(variants.contains("| " + VARIANT + " | +" + format(differences, 5) + " | 3/6 | -0.010 ± 0.000 | 6/6 |"),
                variants);
        // the selection accuracies: defaults 0.6 everywhere, the variant 0.70 / 0.71 / 0.72 on each domain
        assertTrue(variants.contains("| defaults | 0.600 ± 0.000 |"), variants);
        assertTrue(variants.contains("| " + VARIANT + " | **" + format(new double[] {0.70, 0.71, 0.72, 0.70, 0.71,
                0.72}, 5) + "** |"), variants);
        assertTrue(Files.readString(dir.resolve(ExperimentReport.CSV)).contains(",\"" + VARIANT + "\","));
    }

    @Test
    void shouldPairTheLearnedPhiWithEachRowByFoldSeedAndDomain() throws IOException {
        ExperimentReport.write(fixedResults(), dir);
        String paired = section(Files.readString(dir.resolve(ExperimentReport.TABLE)), "## Learned phi minus each row");
        // the paired differences, computed here from the fixed accuracies: books +0.07 per seed, kitchen -0.05 per
        // seed; the seed terms cancel within a pair, which is what pairing is for
        double[] differences = new double[DOMAINS.size() * SEEDS.length];
        double[] lossDifferences = new double[differences.length];
        int i = 0;
        for (String domain : DOMAINS) {
            for (int s = 0; s < SEEDS.length; s++) {
                lossDifferences[i] = lmLoss(LEARNED, s) - lmLoss(SFT, s);
                differences[i++] = accuracy(LEARNED, domain, s) - accuracy(SFT, domain, s);
            }
        }
        assertTrue(paired.contains("| " + SFT + " | +" + format(differences, 5) + " | 3/6 | +"
                + format(lossDifferences, 5) + " | 0/6 |"), paired);
        assertFalse(paired.contains("| " + LEARNED + " |"), "the learned phi is not paired with itself\n" + paired);
    }

    private static String section(String table, String heading) {
        int from = table.indexOf(heading);
        assertTrue(from >= 0, heading + " missing in\n" + table);
        int to = table.indexOf("\n## ", from + 1);
        return table.substring(from, to < 0 ? table.length() : to);
    }

    private static String cell(String label, String domain, int df) {
        double[] v = new double[SEEDS.length];
        for (int s = 0; s < v.length; s++) {
            v[s] = accuracy(label, domain, s);
        }
        return format(v, df);
    }

    private static double[] values(String label) {
        double[] v = new double[DOMAINS.size() * SEEDS.length];
        int i = 0;
        for (String domain : DOMAINS) {
            for (int s = 0; s < SEEDS.length; s++) {
                v[i++] = accuracy(label, domain, s);
            }
        }
        return v;
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).sum() / v.length;
    }

    private static String format(double[] v, int df) {
        assertEquals(df, v.length - 1);
        double m = mean(v);
        double ss = Arrays.stream(v).map(x -> (x - m) * (x - m)).sum();
        double half = tQuantile975(df) * Math.sqrt(ss / (v.length - 1)) / Math.sqrt(v.length);
        return String.format(Locale.ROOT, "%.3f ± %.3f", m, half);
    }

    /** t(0.975, df) by bisection on the closed-form CDF (A&amp;S 26.7.3, df 2 or 5 here). */
    private static double tQuantile975(int df) {
        double lo = 0;
        double hi = 50;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, df) < 0.975) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    private static double tCdf(double t, int df) {
        double theta = Math.atan(t / Math.sqrt(df));
        double s = Math.sin(theta);
        double c = Math.cos(theta);
        double a;
        if (df % 2 == 0) {
            // A(t|v) = sin(theta) (1 + cos^2/2 + 1*3/(2*4) cos^4 + ... up to cos^(v-2))
            double term = 1;
            double sum = 1;
            for (int k = 2; k <= df - 2; k += 2) {
                term *= (k - 1.0) / k * c * c;
                sum += term;
            }
            a = s * sum;
        } else {
            // A(t|v) = (2/pi) (theta + sin cos (1 + 2/3 cos^2 + ... up to cos^(v-3))) for odd v > 1
            double term = 1;
            double sum = df > 1 ? 1 : 0;
            for (int k = 3; k <= df - 2; k += 2) {
                term *= (k - 1.0) / k * c * c;
                sum += term;
            }
            a = 2 / Math.PI * (theta + s * c * sum);
        }
        return 0.5 + a / 2;
    }
}
