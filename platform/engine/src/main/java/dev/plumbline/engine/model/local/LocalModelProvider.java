package dev.plumbline.engine.model.local;

import dev.plumbline.engine.model.LlamaConfig;
import dev.plumbline.engine.model.checkpoint.SafetensorsCheckpoint;
import dev.plumbline.spi.InvalidInputException;
import dev.plumbline.spi.LanguageModel;
import dev.plumbline.spi.ModelDescriptor;
import dev.plumbline.spi.ModelProvider;
import dev.plumbline.spi.ProviderContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Llama-architecture checkpoints in the Hugging Face layout found under
 * {@link ProviderContext#modelsDir()}: every directory (up to {@value #MAX_DEPTH} levels deep) with
 * a {@code config.json} is a model whose id is its path relative to the models directory, with
 * {@code /} separators (e.g. {@code tiny/capitals} or {@code tiny/capitals/checkpoint-60}). Listing
 * reads only config.json files; {@link #open} loads the weights (each call a new
 * {@link LocalLanguageModel}, which the caller closes).
 */
public final class LocalModelProvider implements ModelProvider {

    public static final String ID = "local";

    static final int MAX_DEPTH = 4;

    private static final Logger LOG = LoggerFactory.getLogger(LocalModelProvider.class);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Llama-architecture checkpoints (config.json + model.safetensors + tokenizer) under the models "
                + "directory, run on DJL PyTorch";
    }

    @Override
    public List<ModelDescriptor> listModels(ProviderContext context) {
        Path root = context.modelsDir();
        if (root == null || !Files.isDirectory(root)) {
            return List.of();
        }
        List<ModelDescriptor> models = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(root, MAX_DEPTH)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                if (dir.equals(root) || !isCheckpoint(dir) || isTrainingCheckpoint(dir)) {
                    continue;
                }
                try {
                    models.add(describe(id(root, dir), dir));
                } catch (InvalidInputException e) {
                    LOG.warn("skipping {}: {}", dir, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return models;
    }

    @Override
    public LanguageModel open(String modelId, ProviderContext context) {
        Path dir = resolve(modelId, context);
        return LocalLanguageModel.open(describe(modelId, dir), dir);
    }

    /** The checkpoint directory of {@code modelId}; unknown or escaping ids are client errors. */
    public static Path resolve(String modelId, ProviderContext context) {
        if (modelId == null || modelId.isBlank()) {
            throw new InvalidInputException("model", "is empty");
        }
        Path root = context.modelsDir();
        if (root == null) {
            throw new InvalidInputException("model", "no models directory is configured for local models");
        }
        Path normalizedRoot = root.toAbsolutePath().normalize();
        Path dir = normalizedRoot.resolve(modelId).normalize();
        if (!dir.startsWith(normalizedRoot) || dir.equals(normalizedRoot) || Path.of(modelId).isAbsolute()) {
            throw new InvalidInputException("model", "'" + modelId + "' is not a path inside the models directory");
        }
        if (!Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.CONFIG))) {
            throw new InvalidInputException("model", "no local model '" + modelId + "' (no config.json in " + dir
                    + ")");
        }
        if (!isCheckpoint(dir) && Files.isRegularFile(dir.resolve("model.onnx"))) {
            throw new InvalidInputException("model", "'" + modelId + "' is an ONNX export; open it as onnx:" + modelId);
        }
        return dir;
    }

    /**
     * A trainer's intermediate {@code checkpoint-<step>} inside a model directory (Hugging Face
     * Trainer layout): not listed as a model of its own, but still opens when addressed by id.
     */
    static boolean isTrainingCheckpoint(Path dir) {
        Path parent = dir.getParent();
        return dir.getFileName().toString().matches("checkpoint-\\d+") && parent != null && isCheckpoint(parent);
    }

    /** config.json plus safetensors weights; an ONNX export (config.json + model.onnx) belongs to the onnx provider. */
    static boolean isCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.CONFIG))
                && (Files.isRegularFile(dir.resolve("model.safetensors"))
                        || Files.isRegularFile(dir.resolve("model.safetensors.index.json")));
    }

    static ModelDescriptor describe(String id, Path dir) {
        LlamaConfig c = LlamaConfig.read(dir.resolve(SafetensorsCheckpoint.CONFIG));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", "llama");
        metadata.put("parameters", Long.toString(c.parameterCount()));
        metadata.put("layers", Integer.toString(c.numHiddenLayers()));
        metadata.put("hidden_size", Integer.toString(c.hiddenSize()));
        metadata.put("vocab_size", Integer.toString(c.vocabSize()));
        metadata.put("torch_dtype", c.torchDtype());
        metadata.put("path", dir.toString());
        String description = String.format("Llama, %d layers, hidden %d, %s parameters", c.numHiddenLayers(),
                c.hiddenSize(), humanCount(c.parameterCount()));
        return new ModelDescriptor(id, ID, description, c.maxPositionEmbeddings(), metadata);
    }

    private static String id(Path root, Path dir) {
        List<String> parts = new ArrayList<>();
        root.relativize(dir).forEach(p -> parts.add(p.toString()));
        return String.join("/", parts);
    }

    private static String humanCount(long n) {
        if (n >= 1_000_000_000) {
            return String.format("%.1fB", n / 1e9);
        }
        if (n >= 1_000_000) {
            return String.format("%.1fM", n / 1e6);
        }
        return String.format("%.1fK", n / 1e3);
    }
}
