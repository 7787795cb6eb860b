-- Evaluation persistence: one row per sample record of a run (the latest version of it), the
-- generation cache shared by all runs, and each finished run's report.
CREATE TABLE eval_samples (
    run_id        VARCHAR(64)  NOT NULL,
    candidate_id  VARCHAR(255) NOT NULL,
    item_id       VARCHAR(512) NOT NULL,
    sample_index  INTEGER      NOT NULL,
    record_json   TEXT         NOT NULL,
    saved_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (run_id, candidate_id, item_id, sample_index),
    CONSTRAINT eval_samples_run FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
);

CREATE TABLE generation_cache (
    cache_key        VARCHAR(128) NOT NULL PRIMARY KEY,
    generation_json  TEXT         NOT NULL,
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE eval_reports (
    run_id        VARCHAR(64)  NOT NULL PRIMARY KEY,
    suite_id      VARCHAR(128) NOT NULL,
    report_json   TEXT         NOT NULL,
    samples_csv   TEXT         NOT NULL,
    summary_json  TEXT         NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT eval_reports_run FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
);
CREATE INDEX eval_reports_suite ON eval_reports (suite_id, created_at);
