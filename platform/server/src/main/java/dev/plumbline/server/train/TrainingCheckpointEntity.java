package dev.plumbline.server.train;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;

/** A checkpoint (or the final model) a training run wrote; (run id, step) is unique. */
@Entity
@Table(name = "training_checkpoints")
public class TrainingCheckpointEntity extends PanacheEntityBase {

    @Embeddable
    public static class Key implements Serializable {
        @Column(name = "run_id", length = 64)
        public String runId;

        @Column(name = "step")
        public long step;

        public Key() {}

        public Key(String runId, long step) {
            this.runId = runId;
            this.step = step;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.step == step && Objects.equals(k.runId, runId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(runId, step);
        }
    }

    @EmbeddedId
    public Key key;

    /** {@code checkpoint} (a resumable checkpoint-<step> directory) or {@code final} (the trained model). */
    @Column(nullable = false, length = 16)
    public String kind;

    @Column(nullable = false, columnDefinition = "TEXT")
    public String directory;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;
}
