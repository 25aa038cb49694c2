
UPDATE measurement AS m SET superseded = true
FROM (
    SELECT finess, use_case, kpi, period, phase, max(b.received_at) AS received_at
    FROM batch_measurement JOIN batch_submission AS b USING (ord) GROUP BY finess, use_case, kpi, period, phase
) AS i, submission AS s
WHERE NOT m.superseded AND m.finess = i.finess AND m.use_case = i.use_case AND m.kpi = i.kpi AND m.period = i.period AND m.phase = i.phase AND s.id = m.submission_id AND s.received_at <= i.received_at
