package dev.plumbline.server.run;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.OffsetDateTime;

/** A persisted training or evaluation run. */
@Entity
@Table(name = "runs")
public class RunEntity extends PanacheEntityBase {

    @Id
    @Column(length = 64)
    public String id;

    @Column(nullable = false, length = 16)
    public String kind;

    @Column(nullable = false, length = 16)
    public String state;

    @Column(nullable = false)
    public String name;

    @Column(name = "config_json", nullable = false, columnDefinition = "TEXT")
    public String configJson;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "ended_at")
    public OffsetDateTime endedAt;

    @Column(columnDefinition = "TEXT")
    public String error;

    @Column(name = "progress_done", nullable = false)
    public long progressDone;

    @Column(name = "progress_total", nullable = false)
    public long progressTotal;

    @Column(name = "metrics_json", nullable = false, columnDefinition = "TEXT")
    public String metricsJson;

    @Column(name = "last_sequence", nullable = false)
    public long lastSequence;

    @Version
    @Column(nullable = false)
    public long version;
}
