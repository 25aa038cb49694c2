-- Quarters that have at least one pilot measurement (superseded values excluded).
SELECT DISTINCT quarter
FROM measurement_latest
WHERE phase = 'pilote'
ORDER BY quarter
