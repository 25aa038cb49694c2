-- The benchmark method of docs/methodology.md, replacing the walking-skeleton views of 003.
-- Chain: measurement_latest -> measurement_effective -> experimentation_quarter
--        -> experimentation_baseline / experimentation_change -> mart_kpi_quarter
--        -> experimentation_roi -> mart_roi_quarter.
-- Disclosure control (primary and secondary suppression) is applied in warehouse/disclosure.py when an
-- edition is frozen; the frozen, publishable rows live in the edition_* tables (migration 005).

-- Rows in effect: the latest value per key. A quarterly row of an experimentation's KPI and phase wins
-- over its monthly rows of the same quarter, so a quarter is never counted twice. `patients` is the
-- patient count a row stands for: its effectif, else its denominator, else unknown.
CREATE OR REPLACE VIEW measurement_effective AS
SELECT m.*, coalesce(CAST(m.n_patients AS DOUBLE), m.denominator) AS patients
FROM measurement_latest m
WHERE m.period = m.quarter
   OR NOT EXISTS (
       SELECT 1 FROM measurement_latest q
       WHERE q.finess = m.finess AND q.use_case = m.use_case AND q.kpi = m.kpi
         AND q.phase = m.phase AND q.period = m.quarter);

-- One value per experimentation (establishment x use case), KPI, phase and quarter; months roll up
-- into their quarter. Rates pool their counts when every row has them; amounts in euros are flows and
-- add up over the months of the quarter; other kinds take the mean, weighted by effectif when every
-- row has one. `effectif` is NULL unless every row has one; `patients` sums the known counts (a lower
-- bound when some rows have none, NULL when none has).
CREATE OR REPLACE VIEW experimentation_quarter AS
WITH rows AS (
    SELECT m.*, k.kind,
           (k.kind = 'rate' AND m.numerator IS NOT NULL AND m.denominator IS NOT NULL) AS has_counts
    FROM measurement_effective m JOIN kpi k ON k.code = m.kpi
)
SELECT
    finess, use_case, domain, kpi, phase, quarter,
    any_value(kind) AS kind,
    CASE
        WHEN bool_and(has_counts) THEN 100 * sum(numerator) / sum(denominator)
        WHEN any_value(kind) = 'amount_eur' THEN sum(value)
        WHEN bool_and(n_patients IS NOT NULL) AND sum(n_patients) > 0
            THEN sum(value * n_patients) / sum(n_patients)
        ELSE avg(value)
    END AS value,
    CASE WHEN bool_and(has_counts) THEN sum(numerator) END AS numerator,
    CASE WHEN bool_and(has_counts) THEN sum(denominator) END AS denominator,
    CASE WHEN bool_and(n_patients IS NOT NULL) THEN sum(n_patients) END AS effectif,
    sum(patients) AS patients,
    count(*) AS n_rows
FROM rows
GROUP BY finess, use_case, domain, kpi, phase, quarter;

-- Baseline of an experimentation for a KPI, as known at each pilot quarter: its reference quarters up
-- to that quarter, combined like the rows of a quarter (pooled counts, else effectif-weighted mean).
CREATE OR REPLACE VIEW experimentation_baseline AS
WITH pilot_quarters AS (
    SELECT DISTINCT quarter FROM experimentation_quarter WHERE phase = 'pilote'
)
SELECT
    p.quarter AS pilot_quarter, r.finess, r.use_case, r.domain, r.kpi,
    CASE
        WHEN bool_and(r.numerator IS NOT NULL) THEN 100 * sum(r.numerator) / sum(r.denominator)
        WHEN bool_and(r.effectif IS NOT NULL) AND sum(r.effectif) > 0
            THEN sum(r.value * r.effectif) / sum(r.effectif)
        ELSE avg(r.value)
    END AS baseline,
    sum(r.patients) AS patients,
    count(*) AS n_quarters
FROM pilot_quarters p
JOIN experimentation_quarter r ON r.phase = 'reference' AND r.quarter <= p.quarter
GROUP BY p.quarter, r.finess, r.use_case, r.domain, r.kpi;

-- Pilot value of each experimentation for a quarter against its baseline.
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
    b.patients AS baseline_patients
FROM experimentation_quarter p
JOIN kpi k ON k.code = p.kpi
LEFT JOIN experimentation_baseline b
  ON b.pilot_quarter = p.quarter AND b.finess = p.finess AND b.use_case = p.use_case AND b.kpi = p.kpi
WHERE p.phase = 'pilote';

-- The benchmark before disclosure control: one row per (quarter, use case, domain, KPI), plus one
-- 'ENSEMBLE' row per (quarter, domain, KPI) over every use case. Within a use case an experimentation
-- is one establishment, so n_experimentations = n_establishments there; they differ on ENSEMBLE rows.
CREATE OR REPLACE VIEW mart_kpi_quarter AS
SELECT
    c.quarter,
    CASE WHEN grouping(c.use_case) = 1 THEN 'ENSEMBLE' ELSE c.use_case END AS use_case,
    c.domain, c.kpi,
    grouping(c.use_case) = 1 AS is_total,
    any_value(k.unit) AS unit,
    any_value(k.kind) AS kind,
    any_value(k.direction) AS direction,
    any_value(k.threshold) AS threshold,
    count(DISTINCT c.finess) AS n_establishments,
    count(*) AS n_experimentations,
    count(c.baseline) AS n_with_baseline,
    quantile_cont(c.baseline, 0.5) AS baseline_median,
    quantile_cont(c.pilot, 0.5) AS pilot_median,
    quantile_cont(c.pilot, 0.10) AS pilot_p10,
    quantile_cont(c.pilot, 0.25) AS pilot_p25,
    quantile_cont(c.pilot, 0.75) AS pilot_p75,
    quantile_cont(c.pilot, 0.90) AS pilot_p90,
    CASE WHEN any_value(k.kind) = 'rate' AND bool_and(c.numerator IS NOT NULL)
         THEN sum(c.numerator) END AS pooled_numerator,
    CASE WHEN any_value(k.kind) = 'rate' AND bool_and(c.numerator IS NOT NULL)
         THEN sum(c.denominator) END AS pooled_denominator,
    count(*) FILTER (WHERE c.improved) AS n_improved,
    quantile_cont(c.relative_change, 0.5) AS median_relative_change,
    list_sort(list(c.relative_change) FILTER (WHERE c.relative_change IS NOT NULL)) AS relative_changes,
    count(*) FILTER (WHERE c.meets_threshold) AS n_meeting_threshold,
    list_sort(list(DISTINCT c.finess)) AS establishments,
    sum(c.patients) AS patients,
    sum(c.baseline_patients) AS baseline_patients
FROM experimentation_change c JOIN kpi k ON k.code = c.kpi
GROUP BY GROUPING SETS ((c.quarter, c.domain, c.kpi, c.use_case), (c.quarter, c.domain, c.kpi));

-- ROI of each experimentation over its pilot quarters up to each quarter:
-- (dépenses évitées + recettes nouvelles − coût) / coût. Recettes absent count as 0; no ROI without
-- a positive cost and dépenses évitées.
CREATE OR REPLACE VIEW experimentation_roi AS
WITH pilot_quarters AS (
    SELECT DISTINCT quarter FROM experimentation_quarter WHERE phase = 'pilote'
),
amounts AS (
    SELECT
        p.quarter, e.finess, e.use_case,
        sum(e.value) FILTER (WHERE e.kpi = 'ECO_DEPENSES_EVITEES') AS avoided,
        coalesce(sum(e.value) FILTER (WHERE e.kpi = 'ECO_RECETTES_NOUVELLES'), 0) AS revenue,
        sum(e.value) FILTER (WHERE e.kpi = 'ECO_COUT_SOLUTION') AS cost,
        count(DISTINCT e.quarter) AS n_quarters
    FROM pilot_quarters p
    JOIN experimentation_quarter e ON e.phase = 'pilote' AND e.quarter <= p.quarter
    WHERE e.kpi IN ('ECO_DEPENSES_EVITEES', 'ECO_RECETTES_NOUVELLES', 'ECO_COUT_SOLUTION')
    GROUP BY p.quarter, e.finess, e.use_case
)
SELECT *,
       CASE WHEN cost > 0 AND avoided IS NOT NULL THEN (avoided + revenue - cost) / cost END AS roi
FROM amounts;

-- ROI distribution per (quarter, use case), plus one ENSEMBLE row per quarter.
CREATE OR REPLACE VIEW mart_roi_quarter AS
SELECT
    r.quarter,
    CASE WHEN grouping(r.use_case) = 1 THEN 'ENSEMBLE' ELSE r.use_case END AS use_case,
    grouping(r.use_case) = 1 AS is_total,
    count(DISTINCT r.finess) AS n_establishments,
    count(*) AS n_experimentations,
    quantile_cont(r.roi, 0.5) AS roi_median,
    quantile_cont(r.roi, 0.25) AS roi_p25,
    quantile_cont(r.roi, 0.75) AS roi_p75,
    avg(CASE WHEN r.roi > 0 THEN 1.0 ELSE 0.0 END) AS share_positive,
    list_sort(list(DISTINCT r.finess)) AS establishments
FROM experimentation_roi r
WHERE r.roi IS NOT NULL
GROUP BY GROUPING SETS ((r.quarter, r.use_case), (r.quarter));
