-- Median of the current values of each (establishment, use case, KPI, phase): what a new value is
-- compared with to warn about an unusual one.
SELECT finess, use_case, kpi, phase, median(value) AS median_value, count(*) AS n_values
FROM measurement_latest
GROUP BY finess, use_case, kpi, phase
