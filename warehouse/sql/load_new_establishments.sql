
INSERT INTO establishment (finess, first_seen_at)
SELECT f.finess, f.first_seen_at FROM (
SELECT i.finess, min(b.received_at) AS first_seen_at
FROM batch_measurement AS i JOIN batch_submission AS b USING (ord) GROUP BY i.finess
) AS f
WHERE NOT EXISTS (SELECT 1 FROM establishment AS e WHERE e.finess = f.finess)
