package dev.plumbline.plugin.model.onnx;

import static dev.plumbline.plugin.model.onnx.TinyOnnxModels.WITH_PAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.ProviderContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken model directory fails to open with an error naming the file and the field or graph input. */
class ModelDirectoryErrorsTest {

    @TempDir
    Path models;

    private Path model() {
        return TinyOnnxModels.copy(WITH_PAST, models.resolve("m"));
    }

    private ModelFileException openFails() {
        Throwable thrown = catchThrowable(() -> new OnnxModelProvider(
                new OnnxModelCache()).open("m", new ProviderContext(models, Map.of())));
        assertThat(thrown).isInstanceOf(ModelFileException.class);
        return (ModelFileException) thrown;
    }

    private static void editJson(Path file, Consumer<JsonObject> edit) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        edit.accept(json);
        Files.writeString(file, json.toString());
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path dir = model();
        Files.delete(dir.resolve("config.json"));
        ModelFileException e = openFails();
        assertThat(e.file()).isEqualTo(dir.resolve("config.json"));
        assertThat(e.field()).isEqualTo(dir.resolve("config.json").toString());
        assertThat(e).hasMessageContaining("is missing");

        Files.copy(TinyOnnxModels.dir(WITH_PAST).resolve("config.json"), dir.resolve("config.json"));
        Files.delete(dir.resolve("tokenizer.json"));
        e = openFails();
        assertThat(e.file()).isEqualTo(dir.resolve("tokenizer.json"));
        assertThat(e).hasMessageContaining("is missing");
    }

    @Test
    void malformedJsonNamesTheFile() throws IOException {
        Path dir = model();
        Files.writeString(dir.resolve("config.json"), "{\"num_hidden_layers\": 2,}");
        ModelFileException e = openFails();
        assertThat(e.file()).isEqualTo(dir.resolve("config.json"));
        assertThat(e).hasMessageContaining("malformed JSON");

        Files.copy(TinyOnnxModels.dir(WITH_PAST).resolve("config.json"), dir.resolve("config.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("tokenizer_config.json"), "[1, 2]");
        e = openFails();
        assertThat(e.file()).isEqualTo(dir.resolve("tokenizer_config.json"));
        assertThat(e).hasMessageContaining("not a JSON object");
    }

    @Test
    void missingOrWrongConfigFieldsAreNamed() throws IOException {
        Path dir = model();
        Path config = dir.resolve("config.json");
        editJson(config, c -> c.remove("max_position_embeddings"));
        ModelFileException e = openFails();
        assertThat(e.field()).isEqualTo(config + " max_position_embeddings");
        assertThat(e).hasMessageContaining("is missing");

        editJson(config, c -> c.addProperty("max_position_embeddings", "64"));
        assertThat(openFails().field()).isEqualTo(config + " max_position_embeddings");

        editJson(config, c -> {
            c.addProperty("max_position_embeddings", 64);
            c.addProperty("num_key_value_heads", 3);
        });
        e = openFails();
        assertThat(e.field()).isEqualTo(config + " num_key_value_heads");
        assertThat(e).hasMessageContaining("does not divide num_attention_heads 4");
    }

    @Test
    void configThatDisagreesWithTheGraphNamesTheField() throws IOException {
        Path config = model().resolve("config.json");
        editJson(config, c -> c.addProperty("num_hidden_layers", 3));
        ModelFileException e = openFails();
        assertThat(e.field()).isEqualTo(config + " num_hidden_layers");
        assertThat(e).hasMessageContaining("past_key_values for 2 layers");

        editJson(config, c -> {
            c.addProperty("num_hidden_layers", 2);
            c.addProperty("num_key_value_heads", 4);
        });
        e = openFails();
        assertThat(e.field()).isEqualTo(config + " num_key_value_heads");
        assertThat(e).hasMessageContaining("past_key_values.0.key");

        editJson(config, c -> {
            c.addProperty("num_key_value_heads", 2);
            c.addProperty("head_dim", 16);
        });
        assertThat(openFails().field()).isEqualTo(config + " head_dim");

        editJson(config, c -> {
            c.addProperty("head_dim", 8);
            c.addProperty("vocab_size", 300);
        });
        e = openFails();
        assertThat(e.field()).isEqualTo(config + " vocab_size");
        assertThat(e).hasMessageContaining("logits width 263");
    }

    @Test
    void aFileOnnxRuntimeCannotLoadIsNamed() throws IOException {
        Path dir = model();
        Files.writeString(dir.resolve("model.onnx"), "not a protobuf");
        ModelFileException e = openFails();
        assertThat(e.file()).isEqualTo(dir.resolve("model.onnx"));
        assertThat(e).hasMessageContaining("cannot be loaded by ONNX Runtime");
    }

    @Test
    void graphsWithInputsThisProviderCannotFeedAreRefused() throws IOException {
        Path dir = model();
        Path unsupported = TinyOnnxModels.root().resolve("unsupported");
        Files.copy(unsupported.resolve("extra-input.onnx"), dir.resolve("model.onnx"),
                StandardCopyOption.REPLACE_EXISTING);
        ModelFileException e = openFails();
        assertThat(e.field()).isEqualTo(dir.resolve("model.onnx") + " use_cache_branch");
        assertThat(e).hasMessageContaining("text-generation-with-past");

        Files.copy(unsupported.resolve("float16-past.onnx"), dir.resolve("model.onnx"),
                StandardCopyOption.REPLACE_EXISTING);
        e = openFails();
        assertThat(e.field()).isEqualTo(dir.resolve("model.onnx") + " past_key_values.0.key");
        assertThat(e).hasMessageContaining("float16/bfloat16 exports are not supported");
    }

    @Test
    void badTokenizerFilesAreNamed() throws IOException {
        Path dir = model();
        editJson(dir.resolve("tokenizer_config.json"), c -> c.addProperty("add_bos_token", "yes"));
        ModelFileException e = openFails();
        assertThat(e.field()).isEqualTo(dir.resolve("tokenizer_config.json") + " add_bos_token");

        editJson(dir.resolve("tokenizer_config.json"), c -> {
            c.remove("add_bos_token");
            c.add("eos_token", JsonParser.parseString("[1]"));
        });
        assertThat(openFails().field()).isEqualTo(dir.resolve("tokenizer_config.json") + " eos_token");

        Files.copy(TinyOnnxModels.dir(WITH_PAST).resolve("tokenizer_config.json"),
                dir.resolve("tokenizer_config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Nonsense\"}}");
        e = openFails();
        assertThat(e.file()).isEqualTo(dir.resolve("tokenizer.json"));
        assertThat(e).hasMessageContaining("rejected by the Hugging Face tokenizers library");
    }

    @Test
    void listingSkipsBrokenDirectoriesAndOpeningExplainsThem() throws IOException {
        Path dir = model();
        Files.writeString(dir.resolve("config.json"), "{}");
        assertThat(new OnnxModelProvider().listModels(new ProviderContext(models, Map.of()))).isEmpty();
        assertThatThrownBy(() -> new OnnxModelProvider().open("m", new ProviderContext(models, Map.of())))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(dir.resolve("config.json") + " num_hidden_layers: is missing");
    }
}
