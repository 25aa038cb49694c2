-- Headline figures of a quarter: establishments and experimentations with pilot values in it, and its
-- measurements in effect (superseded values excluded).
WITH pilot AS (
    SELECT DISTINCT finess, use_case
    FROM measurement_latest
    WHERE quarter = $quarter AND phase = 'pilote'
)
SELECT
    (SELECT count(DISTINCT finess) FROM pilot) AS n_establishments,
    (SELECT count(*) FROM pilot) AS n_experimentations,
    (SELECT count(*) FROM measurement_latest WHERE quarter = $quarter) AS n_measurements
