package dev.plumbline.engine.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.Closeable;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link GenerationCache} in a JSONL file ({@code {"key": …, "generation": {…}}} per line),
 * loaded into memory on open and appended to on every put; a torn last line is dropped on open.
 */
public final class JsonlGenerationCache implements GenerationCache, Closeable {

    /** One cache line. */
    record Entry(String key, CachedGeneration generation) {}

    private final JsonlFile file;
    private final Map<String, CachedGeneration> entries = new ConcurrentHashMap<>();

    public JsonlGenerationCache(Path path) {
        this.file = new JsonlFile(path, line -> EvalJson.parses(line, Entry.class), (line, n) -> {
            try {
                Entry e = EvalJson.read(line, Entry.class);
                if (e.key() == null || e.generation() == null) {
                    throw JsonlFile.corrupt(path, n, "missing key or generation");
                }
                entries.put(e.key(), e.generation());
            } catch (JsonProcessingException e) {
                throw JsonlFile.corrupt(path, n, e.getOriginalMessage());
            }
        });
    }

    @Override
    public Optional<CachedGeneration> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    @Override
    public void put(String key, CachedGeneration generation) {
        if (entries.putIfAbsent(key, generation) == null) {
            file.append(EvalJson.write(new Entry(key, generation)));
        }
    }

    public int size() {
        return entries.size();
    }

    @Override
    public void close() {
        file.close();
    }
}
