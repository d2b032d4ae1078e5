package dev.metareward.cluster.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.tensors.bilevel.Contribution;
import dev.metareward.tensors.bilevel.DomainMetaStep;
import dev.metareward.tensors.bilevel.InnerTrajectory;
import dev.metareward.tensors.report.OuterStepDiagnostics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** One diagnostics entry per phi version once every domain reported, averaged; a resumed run reads the earlier ones. */
class OuterDiagnosticsLogTest {

    @TempDir
    Path dir;

    private static DomainMetaStep.Result result(String domain, long version, double meanR, double ess, double margin,
                                                double accuracy, double norm, double loss) {
        return new DomainMetaStep.Result(new Contribution(domain, version, Nd4j.zeros(3), loss, 8),
                new DomainMetaStep.Diagnostics(0, 80, 1.0, 1.0, norm, 10, 0.1, 0.2, new double[] {0.01}, 100,
                        new InnerTrajectory.WeightStatistics(meanR, ess), new DomainMetaStep.RewardSpread(margin, accuracy)));
    }

    @Test
    void shouldAverageTheDomainsOfOneVersionAndReadThemBackOnResume() throws Exception {
        try (OuterDiagnosticsLog log = OuterDiagnosticsLog.inFolder(dir, 2, false)) {
            log.record(0, result("books", 0, 1.0, 8.0, 0.2, 0.5, 2.0, 0.7));
            assertTrue(log.steps().isEmpty(), "a version is complete only when every domain reported");
            log.record(1, result("books", 1, 9.0, 1.0, 0.0, 0.0, 0.0, 0.0));
            log.record(0, result("dvd", 0, 3.0, 6.0, -0.4, 1.0, 4.0, 0.5));
            assertEquals(List.of(new OuterStepDiagnostics(0, 2.0, 7.0, -0.1, 0.75, 3.0, 0.6)), log.steps());
        }
        Files.writeString(dir.resolve(OuterDiagnosticsLog.FILE), "1\t2.0\ttorn", java.nio.file.StandardOpenOption.APPEND);
        try (OuterDiagnosticsLog resumed = OuterDiagnosticsLog.inFolder(dir, 2, true)) {
            assertEquals(List.of(new OuterStepDiagnostics(0, 2.0, 7.0, -0.1, 0.75, 3.0, 0.6)), resumed.steps());
        }
    }
}
