package dev.plumbline.plugin.judge.classifier;

import dev.plumbline.spi.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Loaded models by real directory path, shared by every judge instance in the process (like the
 * OrtEnvironment). A model is loaded once; it is reloaded only when one of its files changes size
 * or modification time, so provenance never names bytes that are no longer on disk.
 */
final class RewardModelCache {

    static final RewardModelCache SHARED = new RewardModelCache();

    private static final List<String> FILES = List.of(ModelDirectory.MODEL_ONNX, ModelDirectory.TOKENIZER_JSON,
            ModelDirectory.CONFIG_JSON, ModelDirectory.TOKENIZER_CONFIG_JSON);

    private record Loaded(List<String> fileStamps, RewardModel model) {}

    private final ConcurrentMap<Path, Loaded> models = new ConcurrentHashMap<>();

    /**
     * @throws InvalidInputException naming {@code parameters.model_dir} when the directory or one of
     *     its files is missing or malformed; a bad directory is not cached, so fixing it is enough
     */
    RewardModel get(String modelDir) {
        Path dir = ModelDirectory.locate(modelDir);
        List<String> stamps = fileStamps(dir);
        Loaded loaded = models.get(dir);
        if (loaded != null && loaded.fileStamps().equals(stamps)) {
            return loaded.model();
        }
        // A replaced model is not closed: another thread may still be running it.
        return models.compute(dir, (key, current) -> current != null && current.fileStamps().equals(stamps)
                ? current : new Loaded(stamps, RewardModel.load(dir))).model();
    }

    private static List<String> fileStamps(Path dir) {
        List<String> stamps = new ArrayList<>(FILES.size());
        for (String name : FILES) {
            try {
                BasicFileAttributes a = Files.readAttributes(dir.resolve(name), BasicFileAttributes.class);
                stamps.add(name + ':' + a.size() + ':' + a.lastModifiedTime() + ':' + a.fileKey());
            } catch (IOException e) {
                stamps.add(name + ":absent");
            }
        }
        return stamps;
    }
}
