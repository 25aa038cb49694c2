
INSERT INTO establishment (finess, first_seen_at)
SELECT f.finess, f.first_seen_at FROM batch_establishment AS f
WHERE NOT EXISTS (SELECT 1 FROM establishment AS e WHERE e.finess = f.finess)
