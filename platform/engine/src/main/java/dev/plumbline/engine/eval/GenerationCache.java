package dev.plumbline.engine.eval;

import java.util.Optional;

/**
 * Model answers by call key. The key hashes everything that can change a generation — model
 * identity (provider, name, endpoint or checkpoint hash), the full rendered messages, generation
 * settings, sample index and seed ({@link GenerationKeys}) — so a different model or setting
 * never reuses another's answer. Implementations must be thread-safe.
 */
public interface GenerationCache {

    Optional<CachedGeneration> get(String key);

    void put(String key, CachedGeneration generation);

    /** No caching. */
    static GenerationCache none() {
        return new GenerationCache() {
            @Override
            public Optional<CachedGeneration> get(String key) {
                return Optional.empty();
            }

            @Override
            public void put(String key, CachedGeneration generation) {}
        };
    }
}
