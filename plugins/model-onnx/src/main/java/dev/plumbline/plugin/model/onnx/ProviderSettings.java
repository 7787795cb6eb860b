package dev.plumbline.plugin.model.onnx;

import dev.plumbline.spi.InvalidInputException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code onnx} provider's settings ({@code plumbline.providers.onnx.<key>} in the server).
 *
 * @param intraOpThreads ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose (one per core)
 * @param prefillChunkTokens with a KV cache, prompts are fed in chunks of at most this many tokens,
 *     so the logits ONNX Runtime materialises stay at {@code chunk × vocab} floats however long the
 *     prompt is
 */
record ProviderSettings(int intraOpThreads, int prefillChunkTokens) {

    static final String INTRA_OP_THREADS = "intra-op-threads";
    static final String PREFILL_CHUNK_TOKENS = "prefill-chunk-tokens";
    static final ProviderSettings DEFAULTS = new ProviderSettings(0, 256);

    /** @throws InvalidInputException naming {@code plumbline.providers.onnx.<key>} */
    static ProviderSettings from(Map<String, String> settings) {
        Set<String> unknown = new TreeSet<>(settings.keySet());
        unknown.removeAll(Set.of(INTRA_OP_THREADS, PREFILL_CHUNK_TOKENS));
        if (!unknown.isEmpty()) {
            throw new InvalidInputException(field(unknown.iterator().next()), "unknown setting; known: "
                    + INTRA_OP_THREADS + ", " + PREFILL_CHUNK_TOKENS);
        }
        return new ProviderSettings(integer(settings, INTRA_OP_THREADS, DEFAULTS.intraOpThreads, 0),
                integer(settings, PREFILL_CHUNK_TOKENS, DEFAULTS.prefillChunkTokens, 1));
    }

    private static int integer(Map<String, String> settings, String key, int fallback, int min) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException(field(key), "must be an integer >= " + min + ", got \"" + value + "\"");
    }

    private static String field(String key) {
        return "plumbline.providers." + OnnxModelProvider.ID + "." + key;
    }
}
