-- Editions: publishing a quarter freezes what was published (which submissions, as of when, and the
-- rows after disclosure control). A later correction makes a new edition; earlier ones stay here,
-- queryable and re-renderable. Withheld statistics are stored as NULL, never 0.
CREATE TABLE edition (
    quarter            VARCHAR NOT NULL,
    number             INTEGER NOT NULL,
    as_of              TIMESTAMP,
    n_submissions      INTEGER NOT NULL,
    n_establishments   INTEGER NOT NULL,
    n_experimentations INTEGER NOT NULL,
    n_measurements     INTEGER NOT NULL,
    fingerprint        VARCHAR NOT NULL,
    min_establishments INTEGER NOT NULL,
    min_patients       INTEGER NOT NULL,
    frozen_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (quarter, number)
);

CREATE TABLE edition_submission (
    quarter       VARCHAR NOT NULL,
    number        INTEGER NOT NULL,
    submission_id INTEGER NOT NULL,
    sha256        VARCHAR NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (quarter, number, submission_id)
);

CREATE TABLE edition_benchmark (
    edition                     INTEGER NOT NULL,
    quarter                     VARCHAR NOT NULL,
    use_case                    VARCHAR NOT NULL,
    use_case_label              VARCHAR NOT NULL,
    use_case_illustrative       BOOLEAN NOT NULL,
    domain                      VARCHAR NOT NULL,
    domain_label                VARCHAR NOT NULL,
    kpi                         VARCHAR NOT NULL,
    kpi_label                   VARCHAR NOT NULL,
    unit                        VARCHAR NOT NULL,
    kind                        VARCHAR NOT NULL,
    direction                   VARCHAR NOT NULL,
    n_establishments            INTEGER NOT NULL,
    n_experimentations          INTEGER NOT NULL,
    baseline_median             DOUBLE,
    pilot_median                DOUBLE,
    pilot_p10                   DOUBLE,
    pilot_p25                   DOUBLE,
    pilot_p75                   DOUBLE,
    pilot_p90                   DOUBLE,
    pooled_rate                 DOUBLE,
    pooled_rate_low             DOUBLE,
    pooled_rate_high            DOUBLE,
    share_improved              DOUBLE,
    median_relative_change      DOUBLE,
    median_relative_change_low  DOUBLE,
    median_relative_change_high DOUBLE,
    threshold                   DOUBLE,
    threshold_met               BOOLEAN,
    share_threshold_met         DOUBLE,
    withheld                    BOOLEAN NOT NULL,
    withheld_reason             VARCHAR,
    PRIMARY KEY (quarter, edition, use_case, kpi)
);

CREATE TABLE edition_roi (
    edition            INTEGER NOT NULL,
    quarter            VARCHAR NOT NULL,
    use_case           VARCHAR NOT NULL,
    use_case_label     VARCHAR NOT NULL,
    n_establishments   INTEGER NOT NULL,
    n_experimentations INTEGER NOT NULL,
    roi_median         DOUBLE,
    roi_p25            DOUBLE,
    roi_p75            DOUBLE,
    share_positive     DOUBLE,
    withheld           BOOLEAN NOT NULL,
    withheld_reason    VARCHAR,
    PRIMARY KEY (quarter, edition, use_case)
);

-- The latest edition of each quarter: what is online.
CREATE VIEW edition_latest AS
SELECT quarter, max(number) AS edition FROM edition GROUP BY quarter;

CREATE VIEW benchmark_published AS
SELECT b.* FROM edition_benchmark b JOIN edition_latest l USING (quarter, edition);

CREATE VIEW roi_published AS
SELECT r.* FROM edition_roi r JOIN edition_latest l USING (quarter, edition);
