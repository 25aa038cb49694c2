-- Publication rules v3 (issue 21, docs/methodology.md): the thresholds an edition was frozen under
-- (NULL for editions frozen before v3), and the population behind each published baseline, so that
-- a later quarter can tell how many establishments joined or left a cell since its baseline figures
-- were last published (internal, never published).
ALTER TABLE edition ADD COLUMN p_percent DOUBLE;
ALTER TABLE edition ADD COLUMN min_share INTEGER;
ALTER TABLE edition ADD COLUMN min_series_change INTEGER;

CREATE TABLE edition_baseline_population (
    quarter  VARCHAR NOT NULL,
    edition  INTEGER NOT NULL,
    use_case VARCHAR NOT NULL,  -- the cell (ENSEMBLE for the all-use-case row)
    kpi      VARCHAR NOT NULL,
    member   VARCHAR NOT NULL,  -- one experimentation: '<use case>/<finess>'
    PRIMARY KEY (quarter, edition, use_case, kpi, member)
);
