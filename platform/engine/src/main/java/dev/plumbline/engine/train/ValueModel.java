package dev.plumbline.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.LlamaModel;
import dev.plumbline.engine.model.checkpoint.SafetensorsCheckpoint;
import dev.plumbline.engine.model.checkpoint.SafetensorsFile;
import dev.plumbline.engine.model.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PPO's value network, shaped like transformers' {@code LlamaForSequenceClassification} with one
 * label: a Llama backbone ({@code model.*}) and a bias-free scalar head {@code score.weight}
 * {@code [1, hidden]} applied to every position's final-norm hidden state. TRL initialises it from
 * a reward-model checkpoint; here the backbone starts as a copy of the base policy and the head as
 * transformers initialises a Linear layer (N(0, initializer_range)), drawn from the run's seed.
 * Saved as {@code value_model/{config.json, model.safetensors}} in every checkpoint; its weights
 * train jointly with the policy under one optimizer as {@code value_model.<name>}.
 */
final class ValueModel implements AutoCloseable {

    static final String DIR = "value_model";
    static final String PREFIX = "value_model.";
    static final String SCORE = "score.weight";

    private final NDManager manager;
    private final LlamaModel backbone;
    private final NDArray score;

    private ValueModel(NDManager manager, LlamaModel backbone, NDArray score) {
        this.manager = manager;
        this.backbone = backbone;
        this.score = score;
    }

    /** A copy of {@code policy} with a fresh head. */
    static ValueModel initialize(LlamaModel policy, long seed, NDManager parent) {
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
                try (NDArray view = e.getValue().stopGradient()) {
                    NDArray copy = view.duplicate();
                    copy.attach(manager);
                    weights.put(e.getKey(), copy);
                }
            }
            LlamaConfig config = policy.config();
            LlamaModel backbone = LlamaModel.fromWeights(config, weights, manager);
            SplittableRandom random = new SplittableRandom(seed);
            float[] head = new float[config.hiddenSize()];
            for (int i = 0; i < head.length; i++) {
                head[i] = (float) (random.nextGaussian() * config.initializerRange());
            }
            NDArray score = manager.create(head, new Shape(1, config.hiddenSize()));
            return new ValueModel(manager, backbone, score);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Loads {@code <checkpoint>/value_model}. */
    static ValueModel load(Path checkpoint, NDManager parent) {
        Path dir = checkpoint.resolve(DIR);
        LlamaConfig config = LlamaConfig.read(dir.resolve(SafetensorsCheckpoint.CONFIG));
        NDManager manager = parent.newSubManager();
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve(SafetensorsCheckpoint.WEIGHTS))) {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : LlamaModel.expectedShapes(config).entrySet()) {
                // The classification model has no LM head; the backbone's is a placeholder never used.
                weights.put(e.getKey(), e.getKey().equals(LlamaModel.LM_HEAD)
                        ? manager.zeros(e.getValue(), DataType.FLOAT32) : file.readFloat32(e.getKey(), manager));
            }
            LlamaModel backbone = LlamaModel.fromWeights(config, weights, manager);
            NDArray score = file.readFloat32(SCORE, manager);
            if (!score.getShape().equals(new Shape(1, config.hiddenSize()))) {
                throw new IllegalStateException(dir + ": " + SCORE + " has shape " + score.getShape()
                        + ", expected (1, " + config.hiddenSize() + ")");
            }
            return new ValueModel(manager, backbone, score);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Trainable weights by {@code value_model.<name>} (the unused LM head excluded). */
    Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        own().forEach((k, v) -> out.put(PREFIX + k, v));
        return out;
    }

    private Map<String, NDArray> own() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        backbone.parameters().forEach((k, v) -> {
            if (!k.equals(LlamaModel.LM_HEAD)) {
                out.put(k, v);
            }
        });
        out.put(SCORE, score);
        return out;
    }

    /** Values {@code [B, C]} of the states before each completion token, recording gradients. */
    NDArray values(RolloutBatch batch, NDManager m) {
        NDArray hidden = batch.completionHidden(backbone, m);
        return head(hidden, score);
    }

    /** Rollout-time values on the host ({@code [B*C]}), without gradients. */
    double[] valuesNoGrad(RolloutBatch batch, NDManager parent) {
        LlamaModel frozen = backbone.detached();
        try (NDManager m = parent.newSubManager()) {
            NDArray hidden = batch.completionHidden(frozen, m);
            NDArray weight = score.stopGradient();
            weight.attach(m);
            return head(hidden, weight).mul(batch.mask(m)).toType(DataType.FLOAT64, false).toDoubleArray();
        } finally {
            frozen.close();
        }
    }

    /** {@code score(hidden)}: {@code hidden @ W^T} in one {@code torch.linear}, result in hidden's manager. */
    private static NDArray head(NDArray hidden, NDArray weight) {
        return hidden.getNDArrayInternal().linear(hidden, weight, null).singletonOrThrow().squeeze(2);
    }

    /** Writes {@code <checkpoint>/value_model/{config.json, model.safetensors}}. */
    void save(Path checkpoint) {
        Path dir = checkpoint.resolve(DIR);
        try {
            Files.createDirectories(dir);
            JsonObject config = backbone.config().toJson();
            JsonArray architectures = new JsonArray();
            architectures.add("LlamaForSequenceClassification");
            config.add("architectures", architectures);
            config.addProperty("num_labels", 1);
            JsonObject id2label = new JsonObject();
            id2label.addProperty("0", "LABEL_0");
            config.add("id2label", id2label);
            JsonObject label2id = new JsonObject();
            label2id.addProperty("LABEL_0", 0);
            config.add("label2id", label2id);
            Files.writeString(dir.resolve(SafetensorsCheckpoint.CONFIG),
                    new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config) + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
        SafetensorsWriter.write(dir.resolve(SafetensorsCheckpoint.WEIGHTS), own(), Map.of("format", "pt"));
    }

    @Override
    public void close() {
        backbone.close();
        manager.close();
    }
}
