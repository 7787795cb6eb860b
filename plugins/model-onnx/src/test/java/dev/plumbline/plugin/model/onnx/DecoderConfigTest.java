package dev.plumbline.plugin.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json as Optimum exports carry it: Llama names, GPT-2 names, derived head_dim, EOS lists. */
class DecoderConfigTest {

    @TempDir
    Path dir;

    private DecoderConfig read(String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return DecoderConfig.read(file);
    }

    @Test
    void llamaConfigWithGroupedQueryAttentionAndEosList() throws IOException {
        DecoderConfig c = read("{\"model_type\": \"llama\", \"num_hidden_layers\": 16, \"num_attention_heads\": 32, "
                + "\"num_key_value_heads\": 8, \"hidden_size\": 2048, \"vocab_size\": 128256, "
                + "\"max_position_embeddings\": 131072, \"bos_token_id\": 128000, "
                + "\"eos_token_id\": [128001, 128008, 128009]}");
        assertThat(c).isEqualTo(new DecoderConfig("llama", 16, 32, 8, 64, OptionalInt.of(128256), 131072, 128000L,
                List.of(128001L, 128008L, 128009L)));
    }

    @Test
    void gpt2NamesAreReadWhenLlamaNamesAreAbsent() throws IOException {
        DecoderConfig c = read("{\"model_type\": \"gpt2\", \"n_layer\": 12, \"n_head\": 12, \"n_embd\": 768, "
                + "\"n_positions\": 1024, \"vocab_size\": 50257, \"bos_token_id\": 50256, \"eos_token_id\": 50256}");
        assertThat(c).isEqualTo(new DecoderConfig("gpt2", 12, 12, 12, 64, OptionalInt.of(50257), 1024, 50256L,
                List.of(50256L)));
    }

    @Test
    void explicitHeadDimWinsAndOptionalFieldsMayBeAbsent() throws IOException {
        DecoderConfig c = read("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"head_dim\": 16, "
                + "\"hidden_size\": 30, \"max_position_embeddings\": 128, \"eos_token_id\": null}");
        assertThat(c).isEqualTo(new DecoderConfig("unknown", 2, 4, 4, 16, OptionalInt.empty(), 128, null,
                List.of()));
    }

    @Test
    void errorsNameTheFileAndField() {
        Path file = dir.resolve("config.json");
        assertThatThrownBy(() -> read("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
                + "\"hidden_size\": 30, \"max_position_embeddings\": 128}"))
                .isInstanceOf(ModelFileException.class).hasMessageStartingWith(file + " hidden_size: 30 is not a "
                        + "multiple of num_attention_heads 4");
        assertThatThrownBy(() -> read("{\"num_hidden_layers\": 0, \"num_attention_heads\": 4, \"hidden_size\": 32, "
                + "\"max_position_embeddings\": 128}")).hasMessageStartingWith(file + " num_hidden_layers: must be "
                        + "at least 1");
        assertThatThrownBy(() -> read("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"hidden_size\": 32, "
                + "\"max_position_embeddings\": 128, \"eos_token_id\": [2, \"x\"]}"))
                .hasMessageStartingWith(file + " eos_token_id[1]: expected a non-negative integer");
        assertThatThrownBy(() -> read("{\"num_hidden_layers\": 2.5, \"num_attention_heads\": 4}"))
                .hasMessageStartingWith(file + " num_hidden_layers: expected a non-negative integer, got 2.5");
        assertThatThrownBy(() -> read("{\"n_layer\": 2, \"num_attention_heads\": 4, \"hidden_size\": 32}"))
                .hasMessageStartingWith(file + " max_position_embeddings: is missing")
                .hasMessageContaining("n_positions");
    }
}
