package dev.plumbline.engine.eval;

import dev.plumbline.engine.util.Hashes;
import dev.plumbline.spi.ModelDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Everything that identifies what produced a candidate's responses; part of every generation
 * cache key, so a second model never reuses the first one's answers (lm-eval #2715).
 *
 * @param kind {@code model} or {@code responses}
 * @param provider model provider id ({@code local}, {@code openai} …; {@code responses} for files)
 * @param name the model's id at its provider
 * @param endpoint the base URL of a remote model ({@code ""} otherwise)
 * @param checkpointSha256 SHA-256 over a local checkpoint's files ({@code ""} when remote)
 * @param responsesSha256 SHA-256 of a precomputed response file ({@code ""} for models)
 * @param metadata the descriptor's metadata, sorted (revision, dtype …)
 */
public record ModelIdentity(
        String kind,
        String provider,
        String name,
        String endpoint,
        String checkpointSha256,
        String responsesSha256,
        Map<String, String> metadata) {

    public ModelIdentity {
        metadata = Map.copyOf(metadata);
    }

    /** Keys in descriptor metadata that carry an identity directly. */
    public static final String CHECKPOINT_SHA256 = "checkpoint_sha256";
    public static final List<String> ENDPOINT_KEYS = List.of("base_url", "endpoint");

    /**
     * Identity of an opened model. A local checkpoint without {@code checkpoint_sha256} in its
     * metadata is hashed from its {@code path} (config, tokenizer and weight files), so retraining
     * into the same directory changes the identity.
     */
    public static ModelIdentity of(ModelDescriptor d) {
        Map<String, String> meta = new TreeMap<>(d.metadata());
        String endpoint = ENDPOINT_KEYS.stream().map(meta::get).filter(v -> v != null && !v.isEmpty()).findFirst().orElse("");
        String checkpoint = meta.getOrDefault(CHECKPOINT_SHA256, "");
        if (checkpoint.isEmpty() && endpoint.isEmpty() && meta.containsKey("path")) {
            checkpoint = hashCheckpoint(Path.of(meta.get("path")));
        }
        return new ModelIdentity("model", d.provider(), d.id(), endpoint, checkpoint, "", meta);
    }

    public static ModelIdentity responses(String candidateId, String fileSha256) {
        return new ModelIdentity("responses", "responses", candidateId, "", "", fileSha256, Map.of());
    }

    /** SHA-256 over the canonical form of every field. */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder("plumbline-model-identity/v1\n");
        sb.append(kind).append('\n').append(provider).append('\n').append(name).append('\n').append(endpoint).append('\n')
                .append(checkpointSha256).append('\n').append(responsesSha256).append('\n');
        new TreeMap<>(metadata).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return Hashes.sha256(sb.toString());
    }

    private static String hashCheckpoint(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "";
        }
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.filter(Files::isRegularFile).filter(ModelIdentity::isCheckpointFile).sorted().toList()) {
                sb.append(f.getFileName()).append(' ').append(Hashes.sha256(f)).append('\n');
            }
            return sb.length() == 0 ? "" : Hashes.sha256(sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash checkpoint " + dir, e);
        }
    }

    private static boolean isCheckpointFile(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".json") || n.endsWith(".model") || n.endsWith(".onnx");
    }
}
