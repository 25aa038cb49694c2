-- Every edition, by quarter then number.
SELECT * FROM edition ORDER BY quarter, number
