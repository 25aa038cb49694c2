-- What the cells of an edition rest on, per establishment (internal).
SELECT use_case, kpi, finess, digest, patients
FROM edition_contribution
WHERE quarter = $quarter AND edition = $number
ORDER BY use_case, kpi, finess
