-- The frozen ROI rows of an edition (ENSEMBLE last).
SELECT * FROM edition_roi
WHERE quarter = $quarter AND edition = $number
ORDER BY use_case = 'ENSEMBLE', use_case
