-- Submissions (one row per file), their measurements and the validation issues that rejected them.
CREATE SEQUENCE submission_id_seq START 1;

CREATE TABLE submission (
    id            INTEGER PRIMARY KEY DEFAULT nextval('submission_id_seq'),
    sha256        VARCHAR NOT NULL UNIQUE,
    original_name VARCHAR NOT NULL,
    inbox_path    VARCHAR NOT NULL,
    inbox_finess  VARCHAR,
    received_at   TIMESTAMP NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected')),
    n_rows        INTEGER NOT NULL,
    n_issues      INTEGER NOT NULL,
    stored_path   VARCHAR NOT NULL,
    flow_run_id   VARCHAR
);

CREATE SEQUENCE measurement_id_seq START 1;

CREATE TABLE measurement (
    id            BIGINT PRIMARY KEY DEFAULT nextval('measurement_id_seq'),
    submission_id INTEGER NOT NULL,
    source_row    INTEGER NOT NULL,
    finess        VARCHAR NOT NULL,
    use_case      VARCHAR NOT NULL,
    domain        VARCHAR NOT NULL,
    kpi           VARCHAR NOT NULL,
    period        VARCHAR NOT NULL,
    quarter       VARCHAR NOT NULL,
    phase         VARCHAR NOT NULL CHECK (phase IN ('reference', 'pilote')),
    value         DOUBLE NOT NULL,
    numerator     DOUBLE,
    denominator   DOUBLE,
    n_patients    INTEGER,
    comment       VARCHAR,
    superseded    BOOLEAN NOT NULL DEFAULT false
);

CREATE INDEX measurement_key ON measurement (finess, use_case, kpi, period, phase);

CREATE TABLE validation_issue (
    submission_id INTEGER NOT NULL,
    row_number    INTEGER,
    column_name   VARCHAR,
    rule          VARCHAR NOT NULL,
    severity      VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    value         VARCHAR,
    message       VARCHAR NOT NULL
);
