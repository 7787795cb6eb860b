-- Training runs: every checkpoint a run wrote (checkpoint-<step> directories) and its final model.
CREATE TABLE training_checkpoints (
    run_id      VARCHAR(64) NOT NULL,
    step        BIGINT      NOT NULL,
    kind        VARCHAR(16) NOT NULL,
    directory   TEXT        NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (run_id, step),
    CONSTRAINT training_checkpoints_run FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
);
