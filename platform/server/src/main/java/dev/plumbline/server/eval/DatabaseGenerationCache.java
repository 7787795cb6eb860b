package dev.plumbline.server.eval;

import dev.plumbline.engine.eval.CachedGeneration;
import dev.plumbline.engine.eval.GenerationCache;
import io.quarkus.logging.Log;
import java.util.Optional;

/** The {@code generation_cache} table, shared by every run (and every instance on a shared database). */
public final class DatabaseGenerationCache implements GenerationCache {

    private final EvaluationStorage storage;

    public DatabaseGenerationCache(EvaluationStorage storage) {
        this.storage = storage;
    }

    @Override
    public Optional<CachedGeneration> get(String key) {
        return storage.cachedGeneration(key);
    }

    @Override
    public void put(String key, CachedGeneration generation) {
        try {
            storage.cacheGeneration(key, generation);
        } catch (RuntimeException e) {
            // Another run stored the same key first (unique violation): its answer is the cached one.
            if (storage.cachedGeneration(key).isEmpty()) {
                throw e;
            }
            Log.debugf("generation %s was cached concurrently", key);
        }
    }
}
