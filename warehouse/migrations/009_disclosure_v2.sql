-- Publication rules v2 (docs/methodology.md): the benchmark is computed in warehouse/cells.py from
-- one row per experimentation (warehouse/sql/cell_contributions.sql), so the views below carry what
-- the linear statistics need: the weight of each value (the patients behind it: Σ effectif, else
-- Σ dénominateur, of the rows combined; NULL unless every row has one) and the counts of the baseline.
-- Editions keep what their figures rest on (edition_contribution) so that a later edition can tell
-- which establishments changed a cell.

CREATE OR REPLACE VIEW experimentation_quarter AS
WITH parts AS (
    SELECT
        finess, use_case, domain, kpi, phase, quarter,
        period = quarter AS is_quarterly,
        bool_and(numerator IS NOT NULL AND denominator IS NOT NULL) AS every_row_has_counts,
        sum(numerator) AS numerator,
        sum(denominator) AS denominator,
        sum(value) AS value_sum,
        avg(value) AS value_mean,
        bool_and(n_patients IS NOT NULL) AS every_row_has_effectif,
        sum(n_patients) AS effectif,
        sum(value * n_patients) AS value_times_effectif,
        sum(coalesce(CAST(n_patients AS DOUBLE), denominator)) AS patients,
        bool_and(coalesce(CAST(n_patients AS DOUBLE), denominator) IS NOT NULL) AS every_row_has_patients,
        count(*) AS n_rows
    FROM measurement_latest
    GROUP BY finess, use_case, domain, kpi, phase, quarter, is_quarterly
),
kinded AS (
    SELECT p.*, k.kind, k.kind = 'rate' AND p.every_row_has_counts AS has_counts
    FROM parts p JOIN kpi k ON k.code = p.kpi
)
SELECT
    finess, use_case, domain, kpi, phase, quarter, kind,
    CASE
        WHEN has_counts THEN 100 * numerator / denominator
        WHEN kind = 'amount_eur' THEN value_sum
        WHEN every_row_has_effectif AND effectif > 0 THEN value_times_effectif / effectif
        ELSE value_mean
    END AS value,
    CASE WHEN has_counts THEN numerator END AS numerator,
    CASE WHEN has_counts THEN denominator END AS denominator,
    CASE WHEN every_row_has_effectif THEN effectif END AS effectif,
    patients,
    CASE WHEN every_row_has_patients THEN patients END AS weight,
    n_rows
FROM kinded p
WHERE p.is_quarterly
   OR NOT EXISTS (
       SELECT 1 FROM measurement_latest q
       WHERE q.period = q.quarter
         AND q.finess = p.finess AND q.use_case = p.use_case AND q.kpi = p.kpi
         AND q.phase = p.phase AND q.quarter = p.quarter);

CREATE OR REPLACE VIEW experimentation_baseline AS
WITH pilot_quarters AS (
    SELECT DISTINCT quarter FROM measurement_latest WHERE phase = 'pilote'
),
reference_quarters AS (
    SELECT DISTINCT quarter FROM measurement_latest WHERE phase = 'reference'
),
known_by AS (
    SELECT p.quarter AS pilot_quarter, r.quarter AS reference_quarter
    FROM pilot_quarters p JOIN reference_quarters r ON r.quarter <= p.quarter
)
SELECT
    k.pilot_quarter, r.finess, r.use_case, r.domain, r.kpi,
    CASE
        WHEN bool_and(r.numerator IS NOT NULL) THEN 100 * sum(r.numerator) / sum(r.denominator)
        WHEN bool_and(r.effectif IS NOT NULL) AND sum(r.effectif) > 0
            THEN sum(r.value * r.effectif) / sum(r.effectif)
        ELSE avg(r.value)
    END AS baseline,
    sum(r.patients) AS patients,
    count(*) AS n_quarters,
    CASE WHEN bool_and(r.numerator IS NOT NULL) THEN sum(r.numerator) END AS numerator,
    CASE WHEN bool_and(r.numerator IS NOT NULL) THEN sum(r.denominator) END AS denominator,
    CASE WHEN bool_and(r.weight IS NOT NULL) THEN sum(r.weight) END AS weight
FROM known_by k
JOIN experimentation_quarter r ON r.phase = 'reference' AND r.quarter = k.reference_quarter
GROUP BY k.pilot_quarter, r.finess, r.use_case, r.domain, r.kpi;

CREATE OR REPLACE VIEW experimentation_change AS
SELECT
    p.quarter, p.finess, p.use_case, p.domain, p.kpi,
    b.baseline,
    p.value AS pilot,
    p.value - b.baseline AS change,
    CASE WHEN b.baseline <> 0 THEN (p.value - b.baseline) / b.baseline END AS relative_change,
    CASE WHEN b.baseline IS NULL THEN NULL
         WHEN k.direction = 'lower_is_better' THEN p.value < b.baseline
         ELSE p.value > b.baseline END AS improved,
    CASE WHEN k.threshold IS NULL THEN NULL
         WHEN k.direction = 'lower_is_better' THEN p.value <= k.threshold
         ELSE p.value >= k.threshold END AS meets_threshold,
    p.numerator, p.denominator,
    p.patients,
    b.patients AS baseline_patients,
    b.numerator AS baseline_numerator,
    b.denominator AS baseline_denominator,
    p.weight AS pilot_weight,
    b.weight AS baseline_weight
FROM experimentation_quarter p
JOIN kpi k ON k.code = p.kpi
LEFT JOIN experimentation_baseline b
  ON b.pilot_quarter = p.quarter AND b.finess = p.finess AND b.use_case = p.use_case AND b.kpi = p.kpi
WHERE p.phase = 'pilote';

ALTER TABLE edition_benchmark ADD COLUMN baseline_mean DOUBLE;
ALTER TABLE edition_benchmark ADD COLUMN pilot_mean DOUBLE;
ALTER TABLE edition_benchmark ADD COLUMN mean_change DOUBLE;
ALTER TABLE edition_benchmark ADD COLUMN linear_withheld_reason VARCHAR;
ALTER TABLE edition_benchmark ADD COLUMN position_withheld_reason VARCHAR;
-- no DEFAULT: a lake adds a column only with a literal default, and `false` is not one to it
ALTER TABLE edition_benchmark ADD COLUMN correction_pending BOOLEAN;
UPDATE edition_benchmark SET correction_pending = false;

ALTER TABLE edition_roi ADD COLUMN roi_pooled DOUBLE;
ALTER TABLE edition_roi ADD COLUMN linear_withheld_reason VARCHAR;
ALTER TABLE edition_roi ADD COLUMN position_withheld_reason VARCHAR;
ALTER TABLE edition_roi ADD COLUMN correction_pending BOOLEAN;
UPDATE edition_roi SET correction_pending = false;

-- What each cell of an edition rests on, per establishment (internal, never published): a digest of
-- its experimentations' inputs to the cell and its patients. `kpi` is 'ROI' for the ROI table.
CREATE TABLE edition_contribution (
    quarter  VARCHAR NOT NULL,
    edition  INTEGER NOT NULL,
    use_case VARCHAR NOT NULL,
    kpi      VARCHAR NOT NULL,
    finess   VARCHAR NOT NULL,
    digest   VARCHAR NOT NULL,
    patients DOUBLE,
    PRIMARY KEY (quarter, edition, use_case, kpi, finess)
);

-- The rules v2 thresholds an edition was frozen under (NULL for editions frozen before v2).
ALTER TABLE edition ADD COLUMN max_dominance DOUBLE;
ALTER TABLE edition ADD COLUMN min_position INTEGER;
ALTER TABLE edition ADD COLUMN min_extreme_position INTEGER;
ALTER TABLE edition ADD COLUMN protection_level DOUBLE;
