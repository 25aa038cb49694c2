-- The experimentations behind the benchmark of one quarter: one row per (use case, KPI, establishment)
-- with its values, counts and weights, and the KPI's reference data and labels. warehouse/cells.py
-- builds the cells (and their ENSEMBLE rows) from these rows.
SELECT
    c.use_case, coalesce(u.label, c.use_case) AS use_case_label,
    coalesce(u.illustrative, false) AS use_case_illustrative,
    c.domain, coalesce(d.label, c.domain) AS domain_label,
    c.kpi, k.label AS kpi_label, k.unit, k.kind, k.direction, k.threshold,
    k.min_value, k.max_value,
    c.finess, c.baseline, c.pilot, c.relative_change, c.improved, c.meets_threshold,
    c.numerator, c.denominator, c.baseline_numerator, c.baseline_denominator,
    c.pilot_weight, c.baseline_weight, c.patients, c.baseline_patients
FROM experimentation_change c
JOIN kpi k ON k.code = c.kpi
LEFT JOIN use_case u ON u.code = c.use_case
LEFT JOIN domain d ON d.code = c.domain
WHERE c.quarter = $quarter
ORDER BY c.domain, c.kpi, c.use_case, c.finess
