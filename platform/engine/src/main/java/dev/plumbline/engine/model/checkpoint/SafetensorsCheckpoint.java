package dev.plumbline.engine.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Llama weights in the Hugging Face layout: {@code config.json} plus {@code model.safetensors}
 * (or shards listed in {@code model.safetensors.index.json}), tensors named as
 * {@code LlamaForCausalLM} names them. Loads F32/F16/BF16/F64 and converts to float32; saves float32.
 */
public final class SafetensorsCheckpoint {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsCheckpoint.class);

    private SafetensorsCheckpoint() {}

    /** Reads config.json and the weights in {@code dir}. */
    public static LlamaModel load(Path dir, NDManager manager) {
        return load(dir, LlamaConfig.read(dir.resolve(CONFIG)), manager);
    }

    public static LlamaModel load(Path dir, LlamaConfig config, NDManager manager) {
        List<Path> files = weightFiles(dir);
        List<SafetensorsFile> opened = new ArrayList<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        NDManager staging = manager.newSubManager();
        try {
            for (Path file : files) {
                SafetensorsFile f = SafetensorsFile.open(file);
                opened.add(f);
                for (String name : f.tensors().keySet()) {
                    byName.putIfAbsent(name, f);
                }
            }
            Map<String, Shape> expected = LlamaModel.expectedShapes(config);
            Path reportFile = files.get(0);
            List<String> ignored = new ArrayList<>();
            for (Map.Entry<String, SafetensorsFile> e : byName.entrySet()) {
                String name = e.getKey();
                if (expected.containsKey(name)) {
                    continue;
                }
                if (name.endsWith(".bias")) {
                    throw new CheckpointException(e.getValue().path(), name,
                            "bias tensors are not part of the Llama architecture this model loader supports");
                }
                if (!name.endsWith("rotary_emb.inv_freq") && !(config.tieWordEmbeddings()
                        && name.equals(LlamaModel.LM_HEAD))) {
                    ignored.add(name);
                }
            }
            if (!ignored.isEmpty()) {
                LOG.warn("{}: ignoring {} tensors that Llama does not use: {}", dir, ignored.size(),
                        ignored.subList(0, Math.min(5, ignored.size())));
            }
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                String name = e.getKey();
                SafetensorsFile f = byName.get(name);
                if (f == null) {
                    throw new CheckpointException(reportFile, name, "missing tensor (expected shape "
                            + format(e.getValue().getShape()) + (name.equals(LlamaModel.LM_HEAD)
                                    ? "; set tie_word_embeddings in config.json if the embeddings are shared" : "")
                            + ")");
                }
                SafetensorsFile.TensorInfo info = f.info(name);
                if (!Arrays.equals(info.shape(), e.getValue().getShape())) {
                    throw new CheckpointException(f.path(), name, "wrong shape: expected "
                            + format(e.getValue().getShape()) + ", got " + format(info.shape()));
                }
                weights.put(name, f.readFloat32(name, staging));
            }
            return LlamaModel.fromWeights(config, weights, manager);
        } finally {
            staging.close();
            opened.forEach(SafetensorsFile::close);
        }
    }

    /** Writes config.json and model.safetensors (float32) into {@code dir}, creating it. */
    public static void save(LlamaModel model, Path dir) {
        try {
            Files.createDirectories(dir);
            // A stale shard index would win over the new single file when loading.
            Files.deleteIfExists(dir.resolve(INDEX));
            Path config = dir.resolve(CONFIG);
            Path tmp = dir.resolve(CONFIG + ".tmp");
            Files.writeString(tmp, model.config().toJsonString(), StandardCharsets.UTF_8);
            Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), model.parameters(), Map.of("format", "pt"));
    }

    private static List<Path> weightFiles(Path dir) {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            JsonElement root;
            try {
                root = StrictJson.parse(Files.readString(index, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(index, null, "cannot read: " + e.getMessage(), e);
            } catch (JsonParseException e) {
                throw new CheckpointException(index, null, "malformed JSON: " + e.getMessage(), e);
            }
            if (!root.isJsonObject() || !root.getAsJsonObject().has("weight_map")
                    || !root.getAsJsonObject().get("weight_map").isJsonObject()) {
                throw new CheckpointException(index, "weight_map", "expected an object mapping tensors to files");
            }
            Map<String, Path> files = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().getAsJsonObject("weight_map").entrySet()) {
                String shard = e.getValue().getAsString();
                Path p = dir.resolve(shard).normalize();
                if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                    throw new CheckpointException(index, e.getKey(), "shard '" + shard + "' is missing");
                }
                files.put(shard, p);
            }
            if (files.isEmpty()) {
                throw new CheckpointException(index, "weight_map", "lists no files");
            }
            return List.copyOf(files.values());
        }
        Path single = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(single)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (pytorch_model.bin is not read: convert it to safetensors)" : "";
            throw new CheckpointException(single, null, "model.safetensors is missing" + hint);
        }
        return List.of(single);
    }

    static String format(long[] shape) {
        return Arrays.toString(shape);
    }
}
