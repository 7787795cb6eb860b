package dev.plumbline.server.eval;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;

/** The latest {@code SampleRecord} of one (run, candidate, item, sample index), as JSON. */
@Entity
@Table(name = "eval_samples")
public class EvalSampleEntity extends PanacheEntityBase {

    @Embeddable
    public static class Key implements Serializable {
        @Column(name = "run_id", length = 64)
        public String runId;

        @Column(name = "candidate_id", length = 255)
        public String candidateId;

        @Column(name = "item_id", length = 512)
        public String itemId;

        @Column(name = "sample_index")
        public int sampleIndex;

        public Key() {}

        public Key(String runId, String candidateId, String itemId, int sampleIndex) {
            this.runId = runId;
            this.candidateId = candidateId;
            this.itemId = itemId;
            this.sampleIndex = sampleIndex;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.sampleIndex == sampleIndex && Objects.equals(k.runId, runId)
                    && Objects.equals(k.candidateId, candidateId) && Objects.equals(k.itemId, itemId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(runId, candidateId, itemId, sampleIndex);
        }
    }

    @EmbeddedId
    public Key key;

    @Column(name = "record_json", nullable = false, columnDefinition = "TEXT")
    public String recordJson;

    @Column(name = "saved_at", nullable = false)
    public OffsetDateTime savedAt;
}
