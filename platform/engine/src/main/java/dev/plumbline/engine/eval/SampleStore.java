package dev.plumbline.engine.eval;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a run's sample records live; the caller implements it (the server persists to its
 * database) or uses {@link JsonlSampleStore} / {@link InMemorySampleStore}. Implementations must
 * be thread-safe: the runner saves from several threads.
 */
public interface SampleStore {

    /** Saves a record, replacing any earlier record with the same key. Durable when it returns. */
    void save(SampleRecord record);

    /** The latest record per key. */
    List<SampleRecord> loadAll();

    /** Keys with a stored record. */
    default Set<SampleKey> completedKeys() {
        return loadAll().stream().map(SampleRecord::key).collect(Collectors.toUnmodifiableSet());
    }
}
