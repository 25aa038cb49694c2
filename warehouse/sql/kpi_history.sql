-- Median of the current values of each (establishment, use case, KPI, phase) of the establishments
-- given: what a new value is compared with to warn about an unusual one.
SELECT finess, use_case, kpi, phase, median(value) AS median_value, count(*) AS n_values
FROM measurement_latest
WHERE list_contains($finess, finess)
GROUP BY finess, use_case, kpi, phase
