package dev.plumbline.server.eval;

import dev.plumbline.engine.eval.SampleRecord;
import dev.plumbline.engine.eval.SampleStore;
import java.util.List;

/** A run's sample records in the {@code eval_samples} table; each save is its own committed transaction. */
public final class DatabaseSampleStore implements SampleStore {

    private final EvaluationStorage storage;
    private final String runId;

    public DatabaseSampleStore(EvaluationStorage storage, String runId) {
        this.storage = storage;
        this.runId = runId;
    }

    @Override
    public void save(SampleRecord record) {
        storage.saveSample(runId, record);
    }

    @Override
    public List<SampleRecord> loadAll() {
        return storage.samples(runId);
    }
}
