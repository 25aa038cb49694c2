
SELECT i.ord, count(*) FILTER (WHERE s.received_at <= b.received_at) AS superseded,
       count(*) FILTER (WHERE s.received_at > b.received_at) AS later
FROM batch_measurement AS i JOIN measurement AS m ON NOT m.superseded AND m.finess = i.finess AND m.use_case = i.use_case AND m.kpi = i.kpi AND m.period = i.period AND m.phase = i.phase
JOIN batch_submission AS b ON b.ord = i.ord JOIN submission AS s ON s.id = m.submission_id
GROUP BY i.ord
