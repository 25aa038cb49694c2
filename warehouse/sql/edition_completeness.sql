-- The completeness counts frozen with an edition (none for editions frozen before they were kept).
SELECT complet, partiel, absent, total
FROM edition_completeness
WHERE quarter = $quarter AND number = $number
