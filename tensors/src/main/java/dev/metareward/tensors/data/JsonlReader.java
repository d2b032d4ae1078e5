package dev.metareward.tensors.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.metareward.config.DataSettings.BadLinePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads {@code sft.jsonl} and {@code pref.jsonl} files (docs/DATA.md): one JSON object a line, UTF-8, unknown extra
 * fields ignored. Every line that cannot be used is reported as a {@link DataFormatException} naming file, line and
 * what was expected; the {@link BadLinePolicy} decides whether that stops loading or is counted in a
 * {@link LoadReport} and skipped. The newline that ends the last line is allowed; any other empty line is reported.
 */
public final class JsonlReader {

    // Trailing tokens and duplicate keys would otherwise be accepted silently, hiding a broken line.
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final List<String> SFT_FIELDS = List.of("prompt", "response");
    private static final List<String> PREF_FIELDS = List.of("prompt", "chosen", "rejected");

    private final Set<String> knownDomains;
    private final BadLinePolicy policy;

    /**
     * @param knownDomains the domains a line may name (the run's training and held-out domains); empty accepts any
     * @param policy       what a bad line does: stop loading or be skipped and counted
     */
    public JsonlReader(Collection<String> knownDomains, BadLinePolicy policy) {
        this.knownDomains = new TreeSet<>(knownDomains);
        this.policy = policy;
    }

    /** Reads {@code {"domain", "prompt", "response"}} lines. */
    public List<SftSample> readSft(Path file, LoadReport report) {
        return read(file, SFT_FIELDS, report,
                (domain, t, src) -> new SftSample(domain, t.get(0), t.get(1), src));
    }

    /** Reads {@code {"domain", "prompt", "chosen", "rejected"}} lines. */
    public List<PreferencePair> readPreferences(Path file, LoadReport report) {
        return read(file, PREF_FIELDS, report,
                (domain, t, src) -> new PreferencePair(domain, t.get(0), t.get(1), t.get(2), src));
    }

    private interface RecordFactory<T> {
        T create(String domain, List<String> texts, SourceLine source);
    }

    private <T> List<T> read(Path file, List<String> textFields, LoadReport report, RecordFactory<T> factory) {
        String name = file.toString();
        String shape = shape(textFields);
        List<T> records = new ArrayList<>();
        report.startFile(name);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = Files.newInputStream(file)) {
            LineSplitter lines = new LineSplitter(in);
            byte[] line;
            while ((line = lines.next()) != null) {
                long number = lines.lineNumber();
                try {
                    String text = decode(utf8, line, number == 1, name, number);
                    records.add(parse(text, textFields, shape, factory, new SourceLine(name, number)));
                    report.recordLoaded(name);
                } catch (DataFormatException bad) {
                    if (policy == BadLinePolicy.FAIL) {
                        throw bad;
                    }
                    report.recordSkipped(bad);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data file " + name + ": " + e.getMessage(), e);
        }
        return records;
    }

    private static String decode(CharsetDecoder utf8, byte[] line, boolean first, String file, long number) {
        int from = first && line.length >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB
                && (line[2] & 0xFF) == 0xBF ? 3 : 0; // a UTF-8 byte order mark some editors write
        int to = line.length > from && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
        try {
            return utf8.decode(ByteBuffer.wrap(line, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, number, BadLineReason.INVALID_UTF8,
                    "the line is not valid UTF-8; expected a UTF-8 encoded JSON object");
        }
    }

    private <T> T parse(String text, List<String> textFields, String shape, RecordFactory<T> factory,
                        SourceLine src) {
        if (text.isBlank()) {
            throw bad(src, BadLineReason.BLANK_LINE, "blank line; expected " + shape
                    + " on every line (only the newline ending the last line may be left empty)");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(src, BadLineReason.MALFORMED_JSON, "malformed JSON at column "
                    + e.getLocation().getColumnNr() + " (" + e.getOriginalMessage() + "); expected " + shape);
        }
        if (!node.isObject()) {
            throw bad(src, BadLineReason.NOT_AN_OBJECT, "found a JSON " + kind(node) + "; expected " + shape);
        }
        String domain = text(node, "domain", shape, src);
        if (!knownDomains.isEmpty() && !knownDomains.contains(domain)) {
            throw bad(src, BadLineReason.UNKNOWN_DOMAIN, "domain '" + domain + "' is not one of the run's domains "
                    + knownDomains + " (data.training-domains and data.held-out-domains); expected one of them - "
                    + "add the domain to the config, remove the line, or set data.on-bad-line = \"skip\"");
        }
        List<String> texts = new ArrayList<>(textFields.size());
        for (String field : textFields) {
            texts.add(text(node, field, shape, src));
        }
        return factory.create(domain, texts, src);
    }

    private static String text(JsonNode node, String field, String shape, SourceLine src) {
        JsonNode value = node.get(field);
        if (value == null) {
            throw bad(src, BadLineReason.MISSING_FIELD, "field '" + field + "' is missing; expected " + shape);
        }
        if (!value.isTextual()) {
            throw bad(src, BadLineReason.WRONG_TYPE, "field '" + field + "' is a JSON " + kind(value)
                    + "; expected a string");
        }
        if (value.textValue().isBlank()) {
            throw bad(src, BadLineReason.EMPTY_TEXT, "field '" + field + "' is empty; expected non-empty text");
        }
        return value.textValue();
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String shape(List<String> textFields) {
        StringBuilder s = new StringBuilder("a JSON object with string fields \"domain\"");
        for (String f : textFields) {
            s.append(", \"").append(f).append('"');
        }
        return s.toString();
    }

    private static DataFormatException bad(SourceLine src, BadLineReason reason, String detail) {
        return new DataFormatException(src.file(), src.line(), reason, detail);
    }

    /** Splits a byte stream at '\n' without decoding, so a bad byte sequence is reported with its line number. */
    private static final class LineSplitter {
        private final InputStream in;
        private final byte[] chunk = new byte[1 << 16];
        private int pos;
        private int end;
        private boolean eof;
        private long lineNumber;
        private byte[] line = new byte[256];

        LineSplitter(InputStream in) {
            this.in = in;
        }

        long lineNumber() {
            return lineNumber;
        }

        /** The next line without its '\n', or null at the end; a final segment with no bytes is not a line. */
        byte[] next() throws IOException {
            int len = 0;
            while (true) {
                if (pos == end) {
                    if (eof || !fill()) {
                        if (len == 0) {
                            return null;
                        }
                        lineNumber++;
                        return Arrays.copyOf(line, len);
                    }
                }
                int start = pos;
                while (pos < end && chunk[pos] != '\n') {
                    pos++;
                }
                int n = pos - start;
                if (len + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, len + n));
                }
                System.arraycopy(chunk, start, line, len, n);
                len += n;
                if (pos < end) {
                    pos++; // consume '\n'
                    lineNumber++;
                    return Arrays.copyOf(line, len);
                }
            }
        }

        private boolean fill() throws IOException {
            int n = in.read(chunk, 0, chunk.length);
            if (n <= 0) {
                eof = true;
                return false;
            }
            pos = 0;
            end = n;
            return true;
        }
    }
}
