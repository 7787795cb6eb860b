package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.plumbline.engine.model.checkpoint.CheckpointException;
import dev.plumbline.engine.model.tokenizer.ByteTokenizer;
import dev.plumbline.engine.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.plumbline.engine.model.tokenizer.Tokenizer;
import dev.plumbline.engine.model.tokenizer.TokenizerConfig;
import dev.plumbline.engine.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

    static final List<String> SAMPLES = List.of("", "hello", "Grüße, 世界! 🎉", "<|user|>\nhi<|end|>\n<|assistant|>\n",
            "a<eos>b<pad><bos>", "<|notspecial|> < | > <|end", "  leading and trailing  \n\t");

    @Test
    void byteTokenizerIsUtf8BytesPlusSpecials() {
        ByteTokenizer t = new ByteTokenizer();
        assertThat(t.encode("hé", false)).containsExactly('h', 0xc3, 0xa9);
        assertThat(t.encode("hi", true)).containsExactly(ByteTokenizer.BOS_ID, 'h', 'i');
        assertThat(t.encode("<|user|>x<|end|>", false)).containsExactly(260, 'x', 262);
        assertThat(t.tokenId("<|assistant|>")).hasValue(261);
        assertThat(t.vocabSize()).isEqualTo(263);
        for (String s : SAMPLES) {
            assertThat(t.decode(t.encode(s, false), false)).isEqualTo(s);
        }
        assertThat(t.decode(t.encode("<|user|>x<|end|>", true), true)).isEqualTo("x");
        // A cut multi-byte character decodes to the replacement character, not an exception.
        assertThat(t.decode(new long[] {0xe4, 0xb8}, true)).isEqualTo("\uFFFD");
    }

    @Test
    void savedByteTokenizerJsonGivesTheSameIdsThroughHuggingFaceTokenizers(@TempDir Path dir) {
        ByteTokenizer bytes = new ByteTokenizer();
        bytes.save(dir);
        try (Tokenizer hf = HuggingFaceTokenizerAdapter.load(dir, TokenizerConfig.read(dir.resolve(
                Tokenizers.TOKENIZER_CONFIG)))) {
            assertThat(hf.vocabSize()).isEqualTo(ByteTokenizer.VOCAB_SIZE);
            assertThat(hf.specialTokens()).isEqualTo(bytes.specialTokens());
            for (String s : SAMPLES) {
                assertThat(hf.encode(s, false)).as(s).containsExactly(bytes.encode(s, false));
                assertThat(hf.encode(s, true)).as(s).containsExactly(bytes.encode(s, true));
                assertThat(hf.decode(bytes.encode(s, false), false)).as(s).isEqualTo(s);
            }
            // No silent truncation: contexts are checked by the caller.
            String longText = "x".repeat(5000);
            assertThat(hf.encode(longText, false)).hasSize(5000);
        }
        // The byte marker makes loading pick the pure-Java tokenizer.
        try (Tokenizer loaded = Tokenizers.load(dir)) {
            assertThat(loaded).isInstanceOf(ByteTokenizer.class);
        }
    }

    @Test
    void huggingFaceTokenizerIsUsedWithoutTheByteMarker(@TempDir Path dir) throws IOException {
        new ByteTokenizer().save(dir);
        Files.writeString(dir.resolve(Tokenizers.TOKENIZER_CONFIG),
                "{\"bos_token\": {\"content\": \"<bos>\"}, \"eos_token\": \"<eos>\"}");
        try (Tokenizer loaded = Tokenizers.load(dir)) {
            assertThat(loaded.kind()).isEqualTo("huggingface");
            assertThat(loaded.specialTokens().eosId()).isEqualTo(ByteTokenizer.EOS_ID);
            assertThat(loaded.specialTokens().bosId()).isEqualTo(ByteTokenizer.BOS_ID);
        }
    }

    @Test
    void checkpointWithoutTokenizerIsAClearError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.model"), "");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("no tokenizer").hasMessageContaining("tokenizer.model");
        Files.writeString(dir.resolve(Tokenizers.TOKENIZER_CONFIG), "{\"eos_token\": 5}");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("eos_token");
    }
}
