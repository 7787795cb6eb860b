-- Runs shared by training and evaluation, and their progress events.
CREATE TABLE runs (
    id             VARCHAR(64)  NOT NULL PRIMARY KEY,
    kind           VARCHAR(16)  NOT NULL,
    state          VARCHAR(16)  NOT NULL,
    name           VARCHAR(255) NOT NULL,
    config_json    TEXT         NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at     TIMESTAMP WITH TIME ZONE,
    ended_at       TIMESTAMP WITH TIME ZONE,
    error          TEXT,
    progress_done  BIGINT       NOT NULL,
    progress_total BIGINT       NOT NULL,
    metrics_json   TEXT         NOT NULL,
    last_sequence  BIGINT       NOT NULL,
    version        BIGINT       NOT NULL
);
CREATE INDEX runs_kind_created ON runs (kind, created_at);

CREATE TABLE run_events (
    run_id         VARCHAR(64)  NOT NULL,
    sequence       BIGINT       NOT NULL,
    event_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    type           VARCHAR(16)  NOT NULL,
    state          VARCHAR(16),
    progress_done  BIGINT,
    progress_total BIGINT,
    step           BIGINT,
    metrics_json   TEXT,
    message        TEXT,
    PRIMARY KEY (run_id, sequence),
    CONSTRAINT run_events_run FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
);
