package dev.metareward.tensors.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void shouldRoundTripNonAsciiText() {
        String text = "naïve café — 日本語 🙂";
        int[] tokens = tokenizer.encode(text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, tokens.length);
        assertEquals(text, tokenizer.decode(tokens));
    }

    @Test
    void shouldEncodeEachUtf8ByteAsOneTokenBelow256() {
        assertArrayEquals(new int[] {0x63, 0x61, 0x66, 0xC3, 0xA9}, tokenizer.encode("café"));
    }

    @Test
    void shouldDecodeInvalidUtf8WithReplacementCharacters() {
        // a lone continuation byte, a truncated 3-byte sequence, then valid ASCII
        String decoded = tokenizer.decode(new int[] {0x80, 0xE6, 0x97, 'o', 'k'});
        assertTrue(decoded.endsWith("ok"), decoded);
        assertTrue(decoded.contains("\uFFFD"), decoded);
    }

    @Test
    void shouldDropSpecialTokensWhenDecoding() {
        int[] tokens = {ByteTokenizer.BOS, 'h', 'i', ByteTokenizer.EOS, ByteTokenizer.PAD, ByteTokenizer.PAD};
        assertEquals("hi", tokenizer.decode(tokens));
    }

    @Test
    void shouldRejectIdsOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {'a', 259}));
        assertTrue(e.getMessage().contains("259"), e.getMessage());
    }

    @Test
    void shouldReportTheDocumentedSpecialIds() {
        assertEquals(259, tokenizer.vocabSize());
        assertEquals(256, tokenizer.bos());
        assertEquals(257, tokenizer.eos());
        assertEquals(258, tokenizer.pad());
    }

    @Test
    void shouldBuildTheByteTokenizerFromItsSetting() {
        assertInstanceOf(ByteTokenizer.class, Tokenizers.fromSetting("byte"));
    }

    @Test
    void shouldNameThePathOfAnUnsupportedTokenizerJson() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromSetting("/models/gpt2/tokenizer.json"));
        assertTrue(e.getMessage().contains("not supported yet: /models/gpt2/tokenizer.json"), e.getMessage());
    }
}
