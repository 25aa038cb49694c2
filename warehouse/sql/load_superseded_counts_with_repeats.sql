
WITH keyed AS (
    SELECT ord, finess, use_case, kpi, period, phase, lag(ord) OVER (PARTITION BY finess, use_case, kpi, period, phase ORDER BY ord) AS previous
    FROM batch_measurement
)
SELECT i.ord, count(i.previous) + count(m.id) AS superseded
FROM keyed AS i
LEFT JOIN measurement AS m ON i.previous IS NULL AND NOT m.superseded AND m.finess = i.finess AND m.use_case = i.use_case AND m.kpi = i.kpi AND m.period = i.period AND m.phase = i.phase
GROUP BY i.ord
