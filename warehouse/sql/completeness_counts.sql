-- How many experimentations expected in a quarter (quarter_completeness.sql: the calendar's, else every
-- one known by then) sent all, part or none of the KPIs they have ever reported, for the quarter's
-- pilot phase: its statuses, counted, for the public index (no names, no KPI lists, no lateness, so
-- one pass over the facts).
WITH kpi_sent AS (
    SELECT finess, use_case, kpi, bool_or(phase = 'pilote' AND quarter = $quarter) AS sent
    FROM measurement_latest
    WHERE quarter <= $quarter
    GROUP BY finess, use_case, kpi
),
seen AS (
    SELECT finess, use_case, count(*) AS n_expected, count(*) FILTER (WHERE sent) AS n_sent
    FROM kpi_sent
    GROUP BY finess, use_case
),
experimentation AS (
    SELECT c.finess, c.use_case, coalesce(s.n_expected, 0) AS n_expected, coalesce(s.n_sent, 0) AS n_sent
    FROM experimentation_calendar c
    LEFT JOIN seen s ON s.finess = c.finess AND s.use_case = c.use_case
    WHERE c.start_quarter <= $quarter AND coalesce(c.end_quarter, $quarter) >= $quarter
    UNION ALL
    SELECT finess, use_case, n_expected, n_sent FROM seen
    WHERE NOT EXISTS (SELECT 1 FROM experimentation_calendar)
)
SELECT
    count(*) FILTER (WHERE n_sent > 0 AND n_sent = n_expected) AS complet,
    count(*) FILTER (WHERE n_sent > 0 AND n_sent < n_expected) AS partiel,
    count(*) FILTER (WHERE n_sent = 0) AS absent,
    count(*) AS total
FROM experimentation
