-- The latest edition of a quarter.
SELECT * FROM edition WHERE quarter = $quarter ORDER BY number DESC LIMIT 1
