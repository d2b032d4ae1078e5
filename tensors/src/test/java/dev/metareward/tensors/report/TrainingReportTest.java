package dev.metareward.tensors.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {

    @TempDir
    Path dir;

    @Test
    void shouldWriteJsonThatReadsBackAndPngPlots() throws Exception {
        TrainingReport report = new TrainingReport("r1", Map.of("seed", 42), List.of(0.69, 0.61, 0.55),
                List.of(new OuterStepDiagnostics(0, 1.25, 7.5, 0.3, 0.625, 0.01, 0.69)),
                List.of(new DomainResult("kitchen", Map.of("sft", 0.5, "meta-test", 0.625),
                        Map.of("meta-test", Map.of(0.5, 1.25)), Map.of("meta-test", 0.4))));
        report.write(dir);

        TrainingReport back = TrainingReport.read(dir);
        assertEquals(report.outerLoss(), back.outerLoss());
        assertEquals(report.outerDiagnostics(), back.outerDiagnostics());
        assertEquals(0.625, back.heldOut().get(0).plAccuracy().get("meta-test"));
        for (String png : List.of(TrainingReport.LOSS_PLOT, TrainingReport.ACCURACY_PLOT)) {
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(image, png + " is not a readable image");
            assertTrue(image.getWidth() == 800 && image.getHeight() == 500, png);
        }
    }
}
