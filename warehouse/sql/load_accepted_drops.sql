-- The accepted submissions of these bytes, with what they loaded and how many of their keys already had
-- a value received no later (the values they superseded on arrival): what a rerun tells the
-- establishment when the run that recorded the file stopped before its receipt.
SELECT s.sha256, s.id, s.inbox_path, s.received_at, s.n_rows, s.n_issues, s.stored_path,
       count(m.id) AS loaded,
       count(m.id) FILTER (WHERE EXISTS (
           SELECT 1 FROM measurement AS e JOIN submission AS es ON es.id = e.submission_id
           WHERE e.submission_id <> s.id AND es.received_at <= s.received_at
             AND e.finess = m.finess AND e.use_case = m.use_case AND e.kpi = m.kpi
             AND e.period = m.period AND e.phase = m.phase
       )) AS superseded
FROM submission AS s LEFT JOIN measurement AS m ON m.submission_id = s.id
WHERE list_contains(?, s.sha256) AND s.status = 'accepted'
GROUP BY ALL
