-- Reference tables, loaded from schemas/catalogue/ at every run (the catalogue is the source of truth).
CREATE TABLE domain (
    code        VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    description VARCHAR
);

CREATE TABLE use_case (
    code         VARCHAR PRIMARY KEY,
    label        VARCHAR NOT NULL,
    illustrative BOOLEAN NOT NULL
);

CREATE TABLE kpi (
    code        VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    definition  VARCHAR NOT NULL,
    domain      VARCHAR NOT NULL,
    unit        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    direction   VARCHAR NOT NULL,
    min_value   DOUBLE NOT NULL,
    max_value   DOUBLE NOT NULL,
    threshold   DOUBLE
);

CREATE TABLE kpi_use_case (
    kpi      VARCHAR NOT NULL,
    use_case VARCHAR NOT NULL,
    PRIMARY KEY (kpi, use_case)
);

-- One row per FINESS ever seen; name and category come from the establishment register when known.
CREATE TABLE establishment (
    finess        VARCHAR PRIMARY KEY,
    name          VARCHAR,
    category      VARCHAR,
    region        VARCHAR,
    public_name   BOOLEAN NOT NULL DEFAULT false,
    first_seen_at TIMESTAMP
);
