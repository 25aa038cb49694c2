-- Headline figures of a quarter. Submissions are counted over all time (a file is not tied to one
-- quarter); measurements and experimentations are those of the quarter, superseded values excluded.
WITH pilot AS (
    SELECT DISTINCT finess, use_case
    FROM measurement_latest
    WHERE quarter = $quarter AND phase = 'pilote'
)
SELECT
    (SELECT count(DISTINCT finess) FROM pilot) AS n_establishments,
    (SELECT count(*) FROM pilot) AS n_experimentations,
    (SELECT count(*) FROM submission WHERE status = 'accepted') AS n_accepted_submissions,
    (SELECT count(*) FROM submission WHERE status = 'rejected') AS n_rejected_submissions,
    (SELECT count(*) FROM measurement_latest WHERE quarter = $quarter) AS n_measurements,
    (SELECT max(received_at) FROM submission WHERE status = 'accepted') AS last_accepted_at
