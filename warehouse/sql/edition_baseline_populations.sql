-- The baseline populations recorded with one edition (internal).
SELECT use_case, kpi, member FROM edition_baseline_population
WHERE quarter = $quarter AND edition = $number
ORDER BY use_case, kpi, member
