-- The experimentations behind the benchmark of one quarter: one row per (use case, KPI, establishment)
-- with its values, counts and weights, and the KPI's reference data and labels. disclosure/cells.py
-- builds the cells (and their ENSEMBLE rows) from these rows.
--
-- This is experimentation_change (migration 009) for one quarter, written so that the national
-- warehouse is read once: only the quarter's pilot rows and the reference rows up to it, and a
-- quarterly row's precedence over the months of its quarter as a join on the (few) keys that have
-- one rather than the views' correlated NOT EXISTS (a duplicate-eliminated join over every group of
-- every quarter). Same rules, same columns: tests/integration/test_cell_contributions.py checks it
-- against the views.
WITH facts AS (
    SELECT finess, use_case, domain, kpi, phase, quarter, period = quarter AS is_quarterly,
           value, numerator, denominator, n_patients
    FROM measurement_latest
    WHERE (phase = 'pilote' AND quarter = $quarter) OR (phase = 'reference' AND quarter <= $quarter)
),
quarterly AS (  -- the keys having a quarterly row: their monthly rows of that quarter do not count
    SELECT DISTINCT finess, use_case, kpi, phase, quarter FROM facts WHERE is_quarterly
),
parts AS (
    SELECT
        finess, use_case, domain, kpi, phase, quarter, is_quarterly,
        bool_and(numerator IS NOT NULL AND denominator IS NOT NULL) AS every_row_has_counts,
        sum(numerator) AS numerator,
        sum(denominator) AS denominator,
        sum(value) AS value_sum,
        avg(value) AS value_mean,
        bool_and(n_patients IS NOT NULL) AS every_row_has_effectif,
        sum(n_patients) AS effectif,
        sum(value * n_patients) AS value_times_effectif,
        sum(coalesce(CAST(n_patients AS DOUBLE), denominator)) AS patients,
        bool_and(coalesce(CAST(n_patients AS DOUBLE), denominator) IS NOT NULL) AS every_row_has_patients
    FROM facts
    GROUP BY finess, use_case, domain, kpi, phase, quarter, is_quarterly
),
kinded AS (
    SELECT p.*, k.kind, k.kind = 'rate' AND p.every_row_has_counts AS has_counts,
           q.finess IS NOT NULL AS has_quarterly_row
    FROM parts p
    JOIN kpi k ON k.code = p.kpi
    LEFT JOIN quarterly q
      ON q.finess = p.finess AND q.use_case = p.use_case AND q.kpi = p.kpi AND q.phase = p.phase
     AND q.quarter = p.quarter
),
experimentation AS (
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
        CASE WHEN every_row_has_patients THEN patients END AS weight
    FROM kinded
    WHERE is_quarterly OR NOT has_quarterly_row
),
baseline AS (
    SELECT
        r.finess, r.use_case, r.domain, r.kpi,
        CASE
            WHEN bool_and(r.numerator IS NOT NULL) THEN 100 * sum(r.numerator) / sum(r.denominator)
            WHEN bool_and(r.effectif IS NOT NULL) AND sum(r.effectif) > 0
                THEN sum(r.value * r.effectif) / sum(r.effectif)
            ELSE avg(r.value)
        END AS baseline,
        sum(r.patients) AS patients,
        CASE WHEN bool_and(r.numerator IS NOT NULL) THEN sum(r.numerator) END AS numerator,
        CASE WHEN bool_and(r.numerator IS NOT NULL) THEN sum(r.denominator) END AS denominator,
        CASE WHEN bool_and(r.weight IS NOT NULL) THEN sum(r.weight) END AS weight
    FROM experimentation r
    WHERE r.phase = 'reference'
    GROUP BY r.finess, r.use_case, r.domain, r.kpi
),
change AS (
    SELECT
        p.finess, p.use_case, p.domain, p.kpi,
        b.baseline,
        p.value AS pilot,
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
    FROM experimentation p
    JOIN kpi k ON k.code = p.kpi
    LEFT JOIN baseline b ON b.finess = p.finess AND b.use_case = p.use_case AND b.kpi = p.kpi
    WHERE p.phase = 'pilote'
)
SELECT
    c.use_case, coalesce(u.label, c.use_case) AS use_case_label,
    coalesce(u.illustrative, false) AS use_case_illustrative,
    c.domain, coalesce(d.label, c.domain) AS domain_label,
    c.kpi, k.label AS kpi_label, k.unit, k.kind, k.direction, k.threshold,
    k.min_value, k.max_value,
    c.finess, c.baseline, c.pilot, c.relative_change, c.improved, c.meets_threshold,
    c.numerator, c.denominator, c.baseline_numerator, c.baseline_denominator,
    c.pilot_weight, c.baseline_weight, c.patients, c.baseline_patients
FROM change c
JOIN kpi k ON k.code = c.kpi
LEFT JOIN use_case u ON u.code = c.use_case
LEFT JOIN domain d ON d.code = c.domain
ORDER BY c.domain, c.kpi, c.use_case, c.finess
