package dev.plumbline.server.eval;

import dev.plumbline.engine.eval.CachedGeneration;
import dev.plumbline.engine.eval.SampleRecord;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Database access for evaluation samples, the generation cache and finished reports. */
@ApplicationScoped
public class EvaluationStorage {

    /** A stored report: the exports and the leaderboard summary. */
    public record StoredReport(String runId, String suiteId, String reportJson, String samplesCsv, RunSummary summary,
            OffsetDateTime createdAt) {}

    @Transactional
    public void saveSample(String runId, SampleRecord record) {
        EvalSampleEntity.Key key = new EvalSampleEntity.Key(runId, record.key().candidateId(), record.key().itemId(),
                record.key().sampleIndex());
        EvalSampleEntity e = EvalSampleEntity.findById(key);
        if (e == null) {
            e = new EvalSampleEntity();
            e.key = key;
            e.recordJson = EvaluationJson.write(record);
            e.savedAt = now();
            e.persist();
        } else {
            e.recordJson = EvaluationJson.write(record);
            e.savedAt = now();
        }
    }

    @Transactional
    public List<SampleRecord> samples(String runId) {
        return EvalSampleEntity.<EvalSampleEntity>find("key.runId = ?1",
                        Sort.ascending("key.candidateId", "key.itemId", "key.sampleIndex"), runId)
                .stream().map(e -> EvaluationJson.read(e.recordJson, SampleRecord.class, "sample record")).toList();
    }

    @Transactional
    public long sampleCount(String runId) {
        return EvalSampleEntity.count("key.runId = ?1", runId);
    }

    @Transactional
    public Optional<CachedGeneration> cachedGeneration(String key) {
        GenerationCacheEntity e = GenerationCacheEntity.findById(key);
        return e == null ? Optional.empty()
                : Optional.of(EvaluationJson.read(e.generationJson, CachedGeneration.class, "cached generation"));
    }

    /** Keeps the first answer stored under a key; a concurrent insert of the same key fails the transaction (the caller ignores it). */
    @Transactional
    public void cacheGeneration(String key, CachedGeneration generation) {
        if (GenerationCacheEntity.findById(key) != null) {
            return;
        }
        GenerationCacheEntity e = new GenerationCacheEntity();
        e.cacheKey = key;
        e.generationJson = EvaluationJson.write(generation);
        e.createdAt = now();
        e.persist();
    }

    @Transactional
    public void saveReport(String runId, String suiteId, String reportJson, String samplesCsv, RunSummary summary) {
        EvalReportEntity e = EvalReportEntity.findById(runId);
        if (e == null) {
            e = new EvalReportEntity();
            e.runId = runId;
            e.createdAt = now();
            e.suiteId = suiteId;
            e.reportJson = reportJson;
            e.samplesCsv = samplesCsv;
            e.summaryJson = EvaluationJson.write(summary);
            e.persist();
        } else {
            e.suiteId = suiteId;
            e.reportJson = reportJson;
            e.samplesCsv = samplesCsv;
            e.summaryJson = EvaluationJson.write(summary);
        }
    }

    @Transactional
    public Optional<StoredReport> report(String runId) {
        EvalReportEntity e = EvalReportEntity.findById(runId);
        return Optional.ofNullable(e).map(EvaluationStorage::stored);
    }

    /**
     * Summaries of reports whose run succeeded, newest first ({@code suiteId} null: every suite).
     * Only summaries are read, not the exports.
     */
    @Transactional
    public List<StoredSummary> successfulSummaries(String suiteId) {
        String query = "select r.runId, r.suiteId, r.summaryJson, r.createdAt from EvalReportEntity r, "
                + "dev.plumbline.server.run.RunEntity run where run.id = r.runId and run.state = 'SUCCEEDED'"
                + (suiteId == null ? "" : " and r.suiteId = :suite") + " order by r.createdAt desc, r.runId desc";
        var q = EvalReportEntity.getEntityManager().createQuery(query, Object[].class);
        if (suiteId != null) {
            q.setParameter("suite", suiteId);
        }
        return q.getResultList().stream().map(row -> new StoredSummary((String) row[0], (String) row[1],
                EvaluationJson.read((String) row[2], RunSummary.class, "run summary"), (OffsetDateTime) row[3])).toList();
    }

    /** One finished run's summary. */
    public record StoredSummary(String runId, String suiteId, RunSummary summary, OffsetDateTime createdAt) {}

    private static StoredReport stored(EvalReportEntity e) {
        return new StoredReport(e.runId, e.suiteId, e.reportJson, e.samplesCsv,
                EvaluationJson.read(e.summaryJson, RunSummary.class, "run summary"), e.createdAt);
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
