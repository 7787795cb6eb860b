package dev.plumbline.server.eval;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A finished evaluation run's exports and the summary leaderboards are built from. */
@Entity
@Table(name = "eval_reports")
public class EvalReportEntity extends PanacheEntityBase {

    @Id
    @Column(name = "run_id", length = 64)
    public String runId;

    @Column(name = "suite_id", nullable = false, length = 128)
    public String suiteId;

    @Column(name = "report_json", nullable = false, columnDefinition = "TEXT")
    public String reportJson;

    @Column(name = "samples_csv", nullable = false, columnDefinition = "TEXT")
    public String samplesCsv;

    @Column(name = "summary_json", nullable = false, columnDefinition = "TEXT")
    public String summaryJson;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;
}
