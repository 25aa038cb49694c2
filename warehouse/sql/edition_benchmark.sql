-- The frozen benchmark rows of an edition, in published order (ENSEMBLE rows last).
SELECT * FROM edition_benchmark
WHERE quarter = $quarter AND edition = $number
ORDER BY use_case = 'ENSEMBLE', use_case, domain, kpi
