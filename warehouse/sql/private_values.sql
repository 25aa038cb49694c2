-- Each experimentation's own pilot value, baseline and change for a quarter (for its private report
-- only: names no other establishment). Live views: read right after the quarter's edition is frozen.
-- Labels, units and names are read once from the reference tables (private_labels.sql), not per row.
-- Rounded to the published precision ($decimals): parallel sums differ in their last bits from run
-- to run, and a value on a rounding tie would otherwise not always be shown the same.
SELECT
    c.finess, c.use_case, c.domain, c.kpi,
    round(c.baseline, $decimals) AS baseline,
    round(c.pilot, $decimals) AS pilot,
    round(c.relative_change, $decimals) AS relative_change,
    c.improved
FROM experimentation_change c
JOIN kpi k ON k.code = c.kpi
JOIN use_case u ON u.code = c.use_case
JOIN domain d ON d.code = c.domain
WHERE c.quarter = $quarter
ORDER BY c.finess, c.use_case, c.domain, c.kpi
