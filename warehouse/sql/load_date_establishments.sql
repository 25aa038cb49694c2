
UPDATE establishment SET first_seen_at = f.first_seen_at FROM batch_establishment AS f
WHERE establishment.finess = f.finess AND establishment.first_seen_at IS NULL
