package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.metareward.config.DataSettings.BadLinePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlReaderTest {

    private static final List<String> DOMAINS = List.of("books", "dvd");
    private static final String GOOD_SFT = "{\"domain\":\"books\",\"prompt\":\"the plot was\",\"response\":\" gripping\"}";

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private DataFormatException failOn(String secondLine) throws IOException {
        Path f = file("sft.jsonl", GOOD_SFT + "\n" + secondLine + "\n" + GOOD_SFT + "\n");
        JsonlReader reader = new JsonlReader(DOMAINS, BadLinePolicy.FAIL);
        return assertThrows(DataFormatException.class, () -> reader.readSft(f, new LoadReport()));
    }

    private static void assertNamesLine2(DataFormatException e, String... expectedParts) {
        assertTrue(e.getMessage().startsWith(e.file() + ":2: "), e.getMessage());
        assertTrue(e.file().endsWith("sft.jsonl"), e.file());
        assertEquals(2, e.line());
        for (String part : expectedParts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void shouldReadValidLinesAndIgnoreUnknownFields() throws IOException {
        Path f = file("pref.jsonl", "{\"domain\":\"dvd\",\"prompt\":\"the film\",\"chosen\":\" superb\","
                + "\"rejected\":\" dull\",\"score\":3,\"meta\":{\"a\":[1]}}\n");
        List<PreferencePair> pairs = new JsonlReader(DOMAINS, BadLinePolicy.FAIL).readPreferences(f, new LoadReport());
        assertEquals(List.of(new PreferencePair("dvd", "the film", " superb", " dull", new SourceLine(f.toString(), 1))),
                pairs);
    }

    @Test
    void shouldReportMalformedJsonWithFileAndLine() throws IOException {
        DataFormatException e = failOn("{\"domain\":\"books\",\"prompt\":\"x\" \"response\":\"y\"}");
        assertEquals(BadLineReason.MALFORMED_JSON, e.reason());
        assertNamesLine2(e, "malformed JSON", "expected a JSON object with string fields \"domain\", \"prompt\", \"response\"");
    }

    @Test
    void shouldReportTrailingGarbageAfterTheObject() throws IOException {
        DataFormatException e = failOn(GOOD_SFT + " x");
        assertEquals(BadLineReason.MALFORMED_JSON, e.reason());
        assertNamesLine2(e);
    }

    @Test
    void shouldReportAMissingFieldWithFileAndLine() throws IOException {
        DataFormatException e = failOn("{\"domain\":\"books\",\"prompt\":\"the plot was\"}");
        assertEquals(BadLineReason.MISSING_FIELD, e.reason());
        assertNamesLine2(e, "field 'response' is missing");
    }

    @Test
    void shouldReportAFieldOfWrongType() throws IOException {
        DataFormatException e = failOn("{\"domain\":\"books\",\"prompt\":42,\"response\":\"y\"}");
        assertEquals(BadLineReason.WRONG_TYPE, e.reason());
        assertNamesLine2(e, "field 'prompt' is a JSON number", "expected a string");
    }

    @Test
    void shouldReportAnEmptyTextWithFileAndLine() throws IOException {
        DataFormatException e = failOn("{\"domain\":\"books\",\"prompt\":\"the plot\",\"response\":\"  \"}");
        assertEquals(BadLineReason.EMPTY_TEXT, e.reason());
        assertNamesLine2(e, "field 'response' is empty");
    }

    @Test
    void shouldReportAnUnknownDomainWithFileLineAndTheKnownDomains() throws IOException {
        DataFormatException e = failOn("{\"domain\":\"music\",\"prompt\":\"the album\",\"response\":\" superb\"}");
        assertEquals(BadLineReason.UNKNOWN_DOMAIN, e.reason());
        assertNamesLine2(e, "domain 'music'", "[books, dvd]");
    }

    @Test
    void shouldReportAJsonValueThatIsNotAnObject() throws IOException {
        DataFormatException e = failOn("[1, 2]");
        assertEquals(BadLineReason.NOT_AN_OBJECT, e.reason());
        assertNamesLine2(e, "found a JSON array");
    }

    @Test
    void shouldReportABlankLineInsideTheFile() throws IOException {
        DataFormatException e = failOn("");
        assertEquals(BadLineReason.BLANK_LINE, e.reason());
        assertNamesLine2(e, "blank line");
    }

    @Test
    void shouldReportInvalidUtf8WithItsLine() throws IOException {
        Path f = dir.resolve("sft.jsonl");
        byte[] bad = "{\"domain\":\"books\",\"prompt\":\"x\",\"response\":\"\u00ff\"}".getBytes(
                java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(f, (GOOD_SFT + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.write(f, bad, java.nio.file.StandardOpenOption.APPEND);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new JsonlReader(DOMAINS, BadLinePolicy.FAIL).readSft(f, new LoadReport()));
        assertEquals(BadLineReason.INVALID_UTF8, e.reason());
        assertNamesLine2(e, "not valid UTF-8");
    }

    @Test
    void shouldAcceptAFileWithOrWithoutAFinalNewlineAndWithCrLf() throws IOException {
        JsonlReader reader = new JsonlReader(DOMAINS, BadLinePolicy.FAIL);
        assertEquals(2, reader.readSft(file("a.jsonl", GOOD_SFT + "\n" + GOOD_SFT + "\n"), new LoadReport()).size());
        assertEquals(2, reader.readSft(file("b.jsonl", GOOD_SFT + "\n" + GOOD_SFT), new LoadReport()).size());
        List<SftSample> crlf = reader.readSft(file("c.jsonl", GOOD_SFT + "\r\n" + GOOD_SFT + "\r\n"), new LoadReport());
        assertEquals(" gripping", crlf.get(1).response());
        assertEquals(0, reader.readSft(file("d.jsonl", ""), new LoadReport()).size());
    }

    @Test
    void shouldReportAnExtraEmptyLineAtTheEnd() throws IOException {
        Path f = file("sft.jsonl", GOOD_SFT + "\n\n");
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new JsonlReader(DOMAINS, BadLinePolicy.FAIL).readSft(f, new LoadReport()));
        assertEquals(BadLineReason.BLANK_LINE, e.reason());
        assertEquals(2, e.line());
    }

    @Test
    void shouldSkipAndCountBadLinesPerReasonUnderTheSkipPolicy() throws IOException {
        Path f = file("sft.jsonl", String.join("\n",
                GOOD_SFT,
                "{not json",
                "{\"domain\":\"books\",\"prompt\":\"p\"}",
                "{\"domain\":\"books\",\"response\":\"r\"}",
                "{\"domain\":\"books\",\"prompt\":\"\",\"response\":\"r\"}",
                "{\"domain\":\"music\",\"prompt\":\"p\",\"response\":\"r\"}",
                "",
                GOOD_SFT) + "\n");
        LoadReport report = new LoadReport();
        List<SftSample> samples = new JsonlReader(DOMAINS, BadLinePolicy.SKIP).readSft(f, report);
        assertEquals(2, samples.size());
        assertEquals(8, samples.get(1).source().line());
        assertEquals(Map.of(BadLineReason.MALFORMED_JSON, 1L, BadLineReason.MISSING_FIELD, 2L,
                BadLineReason.EMPTY_TEXT, 1L, BadLineReason.UNKNOWN_DOMAIN, 1L, BadLineReason.BLANK_LINE, 1L),
                report.skippedByReason());
        assertEquals(6, report.skippedTotal());
        LoadReport.FileSummary summary = report.files().get(0);
        assertEquals(2, summary.loaded());
        assertTrue(summary.examples().get(0).contains("sft.jsonl:2:"), summary.examples().get(0));
    }

    @Test
    void shouldAcceptAnyDomainWhenNoDomainsAreConfigured() throws IOException {
        Path f = file("sft.jsonl", "{\"domain\":\"music\",\"prompt\":\"p\",\"response\":\"r\"}\n");
        assertEquals("music", new JsonlReader(List.of(), BadLinePolicy.FAIL).readSft(f, new LoadReport())
                .get(0).domain());
    }
}
