package dev.plumbline.plugin.model.onnx;

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

/**
 * Serves causal LMs exported to ONNX in Hugging Face Optimum's layout: every directory under
 * {@link ProviderContext#modelsDir()} (up to {@value #MAX_DEPTH} levels deep) that holds a
 * {@code model.onnx} is a model whose id is its path relative to the models directory with
 * {@code /} separators. Local DJL checkpoints (model.safetensors, no model.onnx) are left to the
 * {@code local} provider. Listing reads only the JSON files; {@link #open} loads the graph, once per
 * directory however many handles are open.
 */
public final class OnnxModelProvider implements ModelProvider {

    public static final String ID = "onnx";

    static final int MAX_DEPTH = 4;

    private static final System.Logger LOG = System.getLogger(OnnxModelProvider.class.getName());

    private final OnnxModelCache cache;

    public OnnxModelProvider() {
        this(OnnxModelCache.SHARED);
    }

    OnnxModelProvider(OnnxModelCache cache) {
        this.cache = cache;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Causal LMs exported to ONNX (Optimum layout: model.onnx, config.json, tokenizer.json) under the "
                + "models directory, run with ONNX Runtime, KV cache when the export has one";
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
                if (dir.equals(root) || !Files.isRegularFile(dir.resolve(DecoderGraph.FILE))) {
                    continue;
                }
                try {
                    models.add(describe(id(root, dir), dir));
                } catch (InvalidInputException e) {
                    LOG.log(System.Logger.Level.WARNING, "skipping {0}: {1}", dir, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return models;
    }

    /**
     * @throws InvalidInputException naming {@code model} for an unknown id, a {@code plumbline.providers.onnx.*}
     *     setting, or (as a {@link ModelFileException}) the file and field of a broken model directory
     */
    @Override
    public LanguageModel open(String modelId, ProviderContext context) {
        Path dir = resolve(modelId, context);
        ProviderSettings settings = ProviderSettings.from(context.settings());
        ModelDescriptor listed = describe(modelId, dir);
        Path realDir;
        try {
            realDir = dir.toRealPath();
        } catch (IOException e) {
            throw new InvalidInputException("model", "cannot read " + dir + ": " + e.getMessage());
        }
        OnnxModelCache.Lease lease = cache.acquire(realDir, settings);
        Map<String, String> metadata = new LinkedHashMap<>(listed.metadata());
        metadata.put("kv_cache", Boolean.toString(lease.model().graph().hasKvCache()));
        return new OnnxLanguageModel(new ModelDescriptor(listed.id(), ID, listed.description(),
                listed.contextLength(), metadata), cache, lease);
    }

    /** The directory of {@code modelId}; unknown ids and ids escaping the models directory are client errors. */
    static Path resolve(String modelId, ProviderContext context) {
        if (modelId == null || modelId.isBlank()) {
            throw new InvalidInputException("model", "is empty");
        }
        Path root = context.modelsDir();
        if (root == null) {
            throw new InvalidInputException("model", "no models directory is configured for ONNX models");
        }
        Path normalizedRoot = root.toAbsolutePath().normalize();
        Path dir;
        try {
            dir = normalizedRoot.resolve(modelId).normalize();
        } catch (RuntimeException e) {
            throw new InvalidInputException("model", "'" + modelId + "' is not a valid path: " + e.getMessage());
        }
        if (!dir.startsWith(normalizedRoot) || dir.equals(normalizedRoot) || Path.of(modelId).isAbsolute()) {
            throw new InvalidInputException("model", "'" + modelId + "' is not a path inside the models directory");
        }
        if (!Files.isRegularFile(dir.resolve(DecoderGraph.FILE))) {
            throw new InvalidInputException("model", "no ONNX model '" + modelId + "' (no " + DecoderGraph.FILE
                    + " in " + dir + ")");
        }
        return dir;
    }

    /** A descriptor from the JSON files only (no graph loaded). */
    static ModelDescriptor describe(String id, Path dir) {
        DecoderConfig config = DecoderConfig.read(OnnxCausalLm.requireFile(dir, DecoderConfig.FILE));
        TokenizerSettings tokenizer = TokenizerSettings.read(dir.resolve(TokenizerSettings.FILE));
        ChatTemplates.Choice chat = ChatTemplates.choose(tokenizer.chatTemplate(), tokenizer.bosToken(),
                tokenizer.eosToken());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "onnx");
        metadata.put("model_type", config.modelType());
        metadata.put("layers", Integer.toString(config.numHiddenLayers()));
        config.vocabSize().ifPresent(v -> metadata.put("vocab_size", Integer.toString(v)));
        metadata.put("chat_format", chat.format().name());
        metadata.put("chat_format_source", chat.source());
        metadata.put("path", dir.toString());
        String description = String.format("ONNX %s, %d layers, context %d tokens", config.modelType(),
                config.numHiddenLayers(), config.maxPositionEmbeddings());
        return new ModelDescriptor(id, ID, description, config.maxPositionEmbeddings(), metadata);
    }

    private static String id(Path root, Path dir) {
        List<String> parts = new ArrayList<>();
        root.relativize(dir).forEach(p -> parts.add(p.toString()));
        return String.join("/", parts);
    }
}
