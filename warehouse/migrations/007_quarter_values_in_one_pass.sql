-- The benchmark views of 004, rewritten so that publishing one quarter reads only what it needs.
-- Same rules, same results. 004 dropped the months beaten by a quarterly row one fact at a time (a
-- NOT EXISTS over every fact), found the pilot quarters by grouping every fact, and joined the
-- reference quarters on `quarter <= quarter`: at national scale that was most of the cost of
-- publishing a quarter. Here a filter on the quarter reaches the scan of the facts.

-- One value per experimentation (establishment x use case), KPI, phase and quarter; the combination
-- rules are those of 004. The quarterly row and the monthly rows of a quarter are grouped apart; the
-- monthly group is dropped when a quarterly row of the same experimentation, KPI and phase is in
-- effect for that quarter (an anti-join against the few quarterly rows), so a quarter is never
-- counted twice. The KPI's kind is joined on the groups, not on every fact.
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
    n_rows
FROM kinded p
WHERE p.is_quarterly
   OR NOT EXISTS (
       SELECT 1 FROM measurement_latest q
       WHERE q.period = q.quarter
         AND q.finess = p.finess AND q.use_case = p.use_case AND q.kpi = p.kpi
         AND q.phase = p.phase AND q.quarter = p.quarter);

-- Baseline of an experimentation for a KPI, as known at each pilot quarter (rules of 004). The
-- reference quarters known at each pilot quarter make a small table, read from the facts (every
-- fact in effect has its quarter in experimentation_quarter); joining it on equality lets a filter
-- on the pilot quarter reach the facts.
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
    count(*) AS n_quarters
FROM known_by k
JOIN experimentation_quarter r ON r.phase = 'reference' AND r.quarter = k.reference_quarter
GROUP BY k.pilot_quarter, r.finess, r.use_case, r.domain, r.kpi;

-- ROI of each experimentation over its pilot quarters up to each quarter (formula of 004), with the
-- same small table of quarters.
CREATE OR REPLACE VIEW experimentation_roi AS
WITH pilot_quarters AS (
    SELECT DISTINCT quarter FROM measurement_latest WHERE phase = 'pilote'
),
so_far AS (
    SELECT p.quarter, e.quarter AS pilot_quarter
    FROM pilot_quarters p JOIN pilot_quarters e ON e.quarter <= p.quarter
),
amounts AS (
    SELECT
        s.quarter, e.finess, e.use_case,
        sum(e.value) FILTER (WHERE e.kpi = 'ECO_DEPENSES_EVITEES') AS avoided,
        coalesce(sum(e.value) FILTER (WHERE e.kpi = 'ECO_RECETTES_NOUVELLES'), 0) AS revenue,
        sum(e.value) FILTER (WHERE e.kpi = 'ECO_COUT_SOLUTION') AS cost,
        count(DISTINCT e.quarter) AS n_quarters
    FROM so_far s
    JOIN experimentation_quarter e ON e.phase = 'pilote' AND e.quarter = s.pilot_quarter
    WHERE e.kpi IN ('ECO_DEPENSES_EVITEES', 'ECO_RECETTES_NOUVELLES', 'ECO_COUT_SOLUTION')
    GROUP BY s.quarter, e.finess, e.use_case
)
SELECT *,
       CASE WHEN cost > 0 AND avoided IS NOT NULL THEN (avoided + revenue - cost) / cost END AS roi
FROM amounts;

-- The benchmark before disclosure control (columns and rules of 004). The five pilot quantiles come
-- from one quantile_cont over a list of fractions: one sort of the pilot values per cell, not five.
CREATE OR REPLACE VIEW mart_kpi_quarter AS
WITH cells AS (
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
        quantile_cont(c.pilot, [0.5, 0.10, 0.25, 0.75, 0.90]) AS pilot_quantiles,
        CASE WHEN any_value(k.kind) = 'rate' AND bool_and(c.numerator IS NOT NULL)
             THEN sum(c.numerator) END AS pooled_numerator,
        CASE WHEN any_value(k.kind) = 'rate' AND bool_and(c.numerator IS NOT NULL)
             THEN sum(c.denominator) END AS pooled_denominator,
        count(*) FILTER (WHERE c.improved) AS n_improved,
        quantile_cont(c.relative_change, 0.5) AS median_relative_change,
        list_sort(list(c.relative_change) FILTER (WHERE c.relative_change IS NOT NULL))
            AS relative_changes,
        count(*) FILTER (WHERE c.meets_threshold) AS n_meeting_threshold,
        list_sort(list(DISTINCT c.finess)) AS establishments,
        sum(c.patients) AS patients,
        sum(c.baseline_patients) AS baseline_patients
    FROM experimentation_change c JOIN kpi k ON k.code = c.kpi
    GROUP BY GROUPING SETS ((c.quarter, c.domain, c.kpi, c.use_case), (c.quarter, c.domain, c.kpi))
)
SELECT
    quarter, use_case, domain, kpi, is_total, unit, kind, direction, threshold,
    n_establishments, n_experimentations, n_with_baseline, baseline_median,
    pilot_quantiles[1] AS pilot_median,
    pilot_quantiles[2] AS pilot_p10,
    pilot_quantiles[3] AS pilot_p25,
    pilot_quantiles[4] AS pilot_p75,
    pilot_quantiles[5] AS pilot_p90,
    pooled_numerator, pooled_denominator, n_improved, median_relative_change, relative_changes,
    n_meeting_threshold, establishments, patients, baseline_patients
FROM cells;
