package dev.plumbline.server.run;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Objects;

/** One progress event of a run; (run id, sequence) is unique and sequences have no gaps. */
@Entity
@Table(name = "run_events")
public class RunEventEntity extends PanacheEntityBase {

    @Embeddable
    public static class Key implements Serializable {
        @Column(name = "run_id", length = 64)
        public String runId;

        @Column(name = "sequence")
        public long sequence;

        public Key() {}

        public Key(String runId, long sequence) {
            this.runId = runId;
            this.sequence = sequence;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.sequence == sequence && Objects.equals(k.runId, runId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(runId, sequence);
        }
    }

    @EmbeddedId
    public Key key;

    @Column(name = "event_time", nullable = false)
    public OffsetDateTime time;

    @Column(nullable = false, length = 16)
    public String type;

    @Column(length = 16)
    public String state;

    @Column(name = "progress_done")
    public Long progressDone;

    @Column(name = "progress_total")
    public Long progressTotal;

    public Long step;

    @Column(name = "metrics_json", columnDefinition = "TEXT")
    public String metricsJson;

    @Column(columnDefinition = "TEXT")
    public String message;
}
