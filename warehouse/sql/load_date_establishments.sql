
UPDATE establishment SET first_seen_at = f.first_seen_at FROM (
SELECT i.finess, min(b.received_at) AS first_seen_at
FROM batch_measurement AS i JOIN batch_submission AS b USING (ord) GROUP BY i.finess
) AS f
WHERE establishment.finess = f.finess AND establishment.first_seen_at IS NULL
