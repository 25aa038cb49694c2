-- How many experimentations known by a quarter sent all, part or none of the KPIs they have ever
-- reported, for the quarter's pilot phase: the statuses of quarter_completeness.sql, counted, for the
-- public index (no names, no KPI lists, no lateness, so one pass over the facts).
WITH kpi_sent AS (
    SELECT finess, use_case, kpi, bool_or(phase = 'pilote' AND quarter = $quarter) AS sent
    FROM measurement_latest
    WHERE quarter <= $quarter
    GROUP BY finess, use_case, kpi
),
experimentation AS (
    SELECT finess, use_case, count(*) AS n_expected, count(*) FILTER (WHERE sent) AS n_sent
    FROM kpi_sent
    GROUP BY finess, use_case
)
SELECT
    count(*) FILTER (WHERE n_sent = n_expected) AS complet,
    count(*) FILTER (WHERE n_sent > 0 AND n_sent < n_expected) AS partiel,
    count(*) FILTER (WHERE n_sent = 0) AS absent,
    count(*) AS total
FROM experimentation
