-- Completeness of a quarter: every experimentation expected then (the programme's calendar says it was
-- running; without a calendar, every one known by then: a value for a period up to the quarter), the
-- KPIs it has ever reported, those it sent for the quarter's pilot phase, those missing, and whether a
-- file for the quarter came after the deadline (quarter end + grace days).
WITH seen AS (
    SELECT finess, use_case, list_sort(list(DISTINCT kpi)) AS kpis_expected
    FROM measurement_latest
    WHERE quarter <= $quarter
    GROUP BY finess, use_case
),
known AS (
    SELECT c.finess, c.use_case, coalesce(s.kpis_expected, []) AS kpis_expected
    FROM experimentation_calendar c
    LEFT JOIN seen s ON s.finess = c.finess AND s.use_case = c.use_case
    WHERE c.start_quarter <= $quarter AND coalesce(c.end_quarter, $quarter) >= $quarter
    UNION ALL
    SELECT finess, use_case, kpis_expected FROM seen
    WHERE NOT EXISTS (SELECT 1 FROM experimentation_calendar)
),
sent AS (
    SELECT m.finess, m.use_case,
           list_sort(list(DISTINCT m.kpi)) AS kpis_sent,
           max(s.received_at) AS last_received_at,
           bool_or(s.received_at >= $deadline) AS late
    FROM measurement_latest m JOIN submission s ON s.id = m.submission_id
    WHERE m.phase = 'pilote' AND m.quarter = $quarter
    GROUP BY m.finess, m.use_case
)
SELECT
    k.finess,
    e.name,
    k.use_case,
    k.kpis_expected,
    coalesce(s.kpis_sent, []) AS kpis_sent,
    list_filter(k.kpis_expected, lambda x: NOT list_contains(coalesce(s.kpis_sent, []), x)) AS kpis_missing,
    s.last_received_at,
    coalesce(s.late, false) AS late,
    CASE WHEN s.finess IS NULL THEN 'absent'
         WHEN len(list_filter(k.kpis_expected, lambda x: NOT list_contains(s.kpis_sent, x))) = 0 THEN 'complet'
         ELSE 'partiel' END AS status
FROM known k
LEFT JOIN sent s ON s.finess = k.finess AND s.use_case = k.use_case
LEFT JOIN establishment e ON e.finess = k.finess
ORDER BY k.finess, k.use_case
