package dev.plumbline.engine.eval;

import java.util.List;

/**
 * How a sample's responses were obtained.
 *
 * @param cacheKeys the generation-cache key of each model call (one per turn; empty for precomputed responses)
 * @param cacheHits how many of those calls were answered from the cache
 * @param finishedByLength whether any turn ran out of {@code max_new_tokens}
 * @param latencyMillis wall time spent generating (0 for cache hits and precomputed responses)
 */
public record GenerationInfo(
        List<String> cacheKeys, int cacheHits, int promptTokens, int completionTokens, boolean finishedByLength,
        long latencyMillis) {

    public GenerationInfo {
        cacheKeys = cacheKeys == null ? List.of() : List.copyOf(cacheKeys);
    }

    public static final GenerationInfo NONE = new GenerationInfo(List.of(), 0, 0, 0, false, 0);
}
