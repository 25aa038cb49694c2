
WITH keyed AS (
    SELECT i.ord, i.finess, i.use_case, i.kpi, i.period, i.phase, b.received_at,
           max(b.received_at) OVER (PARTITION BY i.finess, i.use_case, i.kpi, i.period, i.phase ORDER BY i.ord
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_at
    FROM batch_measurement AS i JOIN batch_submission AS b USING (ord)
)
SELECT k.ord, count(*) FILTER (WHERE greatest(k.earlier_at, s.received_at) <= k.received_at) AS superseded
FROM keyed AS k
LEFT JOIN measurement AS m ON NOT m.superseded AND m.finess = k.finess AND m.use_case = k.use_case AND m.kpi = k.kpi AND m.period = k.period AND m.phase = k.phase
LEFT JOIN submission AS s ON s.id = m.submission_id
GROUP BY k.ord
