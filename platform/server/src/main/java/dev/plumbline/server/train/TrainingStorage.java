package dev.plumbline.server.train;

import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** The checkpoints of training runs in the database (the files live under the models directory). */
@ApplicationScoped
public class TrainingStorage {

    public static final String CHECKPOINT = "checkpoint";
    public static final String FINAL = "final";

    /** A stored checkpoint row. */
    public record CheckpointRecord(String runId, long step, String kind, String directory, OffsetDateTime createdAt) {}

    /** Records (or, after a resume wrote it again, updates) the checkpoint of {@code runId} at {@code step}. */
    @Transactional
    public void record(String runId, long step, String kind, Path directory) {
        TrainingCheckpointEntity e = TrainingCheckpointEntity.findById(new TrainingCheckpointEntity.Key(runId, step));
        if (e == null) {
            e = new TrainingCheckpointEntity();
            e.key = new TrainingCheckpointEntity.Key(runId, step);
            e.kind = kind;
            e.directory = directory.toString();
            e.createdAt = now();
            e.persist();
        } else {
            e.kind = kind;
            e.directory = directory.toString();
            e.createdAt = now();
        }
    }

    /** The run's checkpoints, by step. */
    @Transactional
    public List<CheckpointRecord> list(String runId) {
        return TrainingCheckpointEntity.<TrainingCheckpointEntity>find("key.runId = ?1", Sort.ascending("key.step"), runId)
                .list().stream()
                .map(e -> new CheckpointRecord(e.key.runId, e.key.step, e.kind, e.directory, e.createdAt)).toList();
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
