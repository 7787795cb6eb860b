package dev.plumbline.engine.eval;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link GenerationCache} in memory. */
public final class InMemoryGenerationCache implements GenerationCache {

    private final Map<String, CachedGeneration> entries = new ConcurrentHashMap<>();

    @Override
    public Optional<CachedGeneration> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    @Override
    public void put(String key, CachedGeneration generation) {
        entries.put(key, generation);
    }

    public int size() {
        return entries.size();
    }
}
