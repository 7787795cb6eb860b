package dev.plumbline.engine.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link SampleStore} in memory, for tests and one-shot runs. */
public final class InMemorySampleStore implements SampleStore {

    private final Map<SampleKey, SampleRecord> records = new LinkedHashMap<>();

    @Override
    public synchronized void save(SampleRecord record) {
        records.put(record.key(), record);
    }

    @Override
    public synchronized List<SampleRecord> loadAll() {
        return new ArrayList<>(records.values());
    }
}
