-- Each experimentation's own pilot value, baseline and change for a quarter (for its private report
-- only: names no other establishment). Live views: read right after the quarter's edition is frozen.
SELECT
    c.finess, e.name AS establishment_name, c.use_case, u.label AS use_case_label,
    c.domain, d.label AS domain_label, c.kpi, k.label AS kpi_label, k.unit, k.kind, k.direction,
    k.threshold, c.baseline, c.pilot, c.change, c.relative_change, c.improved, c.meets_threshold
FROM experimentation_change c
JOIN kpi k ON k.code = c.kpi
JOIN use_case u ON u.code = c.use_case
JOIN domain d ON d.code = c.domain
LEFT JOIN establishment e ON e.finess = c.finess
WHERE c.quarter = $quarter
ORDER BY c.finess, c.use_case, c.domain, c.kpi
