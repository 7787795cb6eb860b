package dev.plumbline.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.plumbline.engine.model.checkpoint.CheckpointException;
import dev.plumbline.engine.model.checkpoint.SafetensorsCheckpoint;
import dev.plumbline.engine.model.checkpoint.SafetensorsFile;
import dev.plumbline.engine.model.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Save/load round trips and the errors bad checkpoints produce. */
class CheckpointTest {

    static final LlamaConfig TINY = LlamaConfig.of(40, 16, 24, 2, 4, 2, 32, false);

    static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        manager = ModelEngine.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    Path savedTiny(LlamaConfig config) {
        Path dir = tmp.resolve("ckpt");
        try (LlamaModel model = LlamaModel.initialize(config, 3, manager)) {
            SafetensorsCheckpoint.save(model, dir);
        }
        return dir;
    }

    @Test
    void saveThenLoadRestoresEveryWeightExactly() {
        Path dir = savedTiny(TINY);
        try (LlamaModel original = LlamaModel.initialize(TINY, 3, manager);
                LlamaModel loaded = SafetensorsCheckpoint.load(dir, manager)) {
            assertThat(loaded.config()).isEqualTo(original.config());
            assertThat(loaded.parameters().keySet()).containsExactlyElementsOf(original.parameters().keySet());
            original.parameters().forEach((name, w) -> assertThat(loaded.parameters().get(name).toFloatArray())
                    .as(name).containsExactly(w.toFloatArray()));
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThat(f.metadata()).containsEntry("format", "pt");
            assertThat(f.tensors().get("lm_head.weight").shape()).containsExactly(40, 16);
        }
    }

    @Test
    void tiedCheckpointsHaveNoLmHeadAndReuseTheEmbedding() {
        LlamaConfig tied = LlamaConfig.of(40, 16, 24, 1, 4, 4, 32, true);
        Path dir = savedTiny(tied);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertThat(f.tensors()).doesNotContainKey("lm_head.weight").containsKey("model.embed_tokens.weight");
        }
        try (LlamaModel loaded = SafetensorsCheckpoint.load(dir, manager)) {
            assertThat(loaded.config().tieWordEmbeddings()).isTrue();
        }
    }

    @Test
    void malformedConfigJsonNamesTheFile() throws IOException {
        Path dir = savedTiny(TINY);
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 16,");
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("malformed JSON").hasMessageContaining("line 1").message().doesNotContain("See https");
        // Gson is lenient by default; unquoted names must still be rejected.
        Files.writeString(dir.resolve("config.json"), "{hidden_size: 16}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("malformed JSON");
    }

    @Test
    void configFieldErrorsNameTheField() throws IOException {
        Path dir = savedTiny(TINY);
        Path config = dir.resolve("config.json");
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"hidden_size\": 16", "\"hidden_size\": \"16\""));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.item()).isEqualTo("hidden_size");
                    assertThat(e.file()).isEqualTo(config);
                })
                .hasMessageContaining("expected an integer");
        com.google.gson.JsonObject withoutVocab = com.google.gson.JsonParser.parseString(good).getAsJsonObject();
        withoutVocab.remove("vocab_size");
        Files.writeString(config, withoutVocab.toString());
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .hasMessageContaining("vocab_size").hasMessageContaining("is required");
        Files.writeString(config, good.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .hasMessageContaining("num_key_value_heads").hasMessageContaining("multiple");
        Files.writeString(config, good.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\""));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .hasMessageContaining("model_type").hasMessageContaining("gpt2");
        Files.writeString(config, good.replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2.0}"));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .hasMessageContaining("rope_scaling.rope_type").hasMessageContaining("yarn");
    }

    @Test
    void missingTensorIsNamed() {
        Path dir = tmp.resolve("missing");
        try (LlamaModel model = LlamaModel.initialize(TINY, 1, manager)) {
            Map<String, NDArray> some = new LinkedHashMap<>(model.parameters());
            some.remove("model.layers.1.mlp.up_proj.weight");
            SafetensorsCheckpoint.save(model, dir);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), some, Map.of());
        }
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.item()).isEqualTo("model.layers.1.mlp.up_proj.weight"))
                .hasMessageContaining("missing tensor").hasMessageContaining("[24, 16]");
    }

    @Test
    void wrongShapeSaysExpectedAndGot() {
        Path dir = tmp.resolve("shape");
        try (LlamaModel model = LlamaModel.initialize(TINY, 1, manager); NDManager m = manager.newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
            tensors.put("model.layers.0.self_attn.k_proj.weight", m.zeros(new Shape(16, 16)));
            SafetensorsCheckpoint.save(model, dir);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        }
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.layers.0.self_attn.k_proj.weight")
                .hasMessageContaining("expected [8, 16], got [16, 16]");
    }

    @Test
    void truncatedFileIsReportedBeforeAnyWeightIsRead() throws IOException {
        Path dir = savedTiny(TINY);
        Path weights = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.file()).isEqualTo(weights);
                    assertThat(e.item()).isEqualTo("lm_head.weight");
                })
                .hasMessageContaining("truncated");
        Files.write(weights, Arrays.copyOf(all, 5));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager)).hasMessageContaining("truncated");
        Files.write(weights, Arrays.copyOf(all, 200));
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager)).hasMessageContaining("truncated");
    }

    @Test
    void unknownDtypeAndGarbageHeadersAreRejected() throws IOException {
        Path file = tmp.resolve("odd.safetensors");
        writeRaw(file, "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.item()).isEqualTo("w"))
                .hasMessageContaining("unknown dtype F8_E4M3");
        writeRaw(file, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("needs 12");
        Files.write(file, "this is not a safetensors file at all".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("not a safetensors file");
        writeRaw(file, "[1, 2]", new byte[0]);
        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("expected a JSON object");
        writeRaw(file, "{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> f.readFloat32("w", manager)).hasMessageContaining("not a floating-point type");
        }
    }

    @Test
    void missingWeightsFileSaysSo() throws IOException {
        Path dir = savedTiny(TINY);
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("pytorch_model.bin"), "");
        assertThatThrownBy(() -> SafetensorsCheckpoint.load(dir, manager))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.safetensors is missing").hasMessageContaining("pytorch_model.bin");
    }

    @Test
    void shardedCheckpointsLoadThroughTheIndex() throws IOException {
        Path dir = savedTiny(TINY);
        try (LlamaModel model = SafetensorsCheckpoint.load(dir, manager)) {
            Map<String, NDArray> first = new LinkedHashMap<>();
            Map<String, NDArray> second = new LinkedHashMap<>();
            StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
            int i = 0;
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (i % 2 == 0 ? first : second).put(e.getKey(), e.getValue());
                index.append(i == 0 ? "" : ",").append('"').append(e.getKey()).append("\": \"").append(shard)
                        .append('"');
                i++;
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of());
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of());
            Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
            Files.delete(dir.resolve("model.safetensors"));
            try (LlamaModel sharded = SafetensorsCheckpoint.load(dir, manager)) {
                assertThat(sharded.parameters().get("model.norm.weight").toFloatArray())
                        .containsExactly(model.parameters().get("model.norm.weight").toFloatArray());
            }
        }
    }

    @Test
    void halfPrecisionDecodesLikeIeee754() {
        // 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), 0.333 (rounded)
        short[] halves = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x3555};
        float[] expected = {1f, -2f, 65504f, (float) Math.pow(2, -24), 0.33325195f};
        Path file = tmp.resolve("half.safetensors");
        ByteBuffer data = ByteBuffer.allocate(halves.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            data.putShort(h);
        }
        writeRaw(file, "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]}}", data.array());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.readFloats("h")).containsExactly(expected);
        }
    }

    static void writeRaw(Path file, String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data);
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
