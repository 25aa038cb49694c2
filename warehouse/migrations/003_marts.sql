-- Mart views. The latest value per key, then per-experimentation baselines and pilot values, then
-- the per (quarter, use case, domain, KPI) benchmark. Disclosure control is applied by the readers
-- of mart_kpi_quarter with the thresholds of the settings.
CREATE VIEW measurement_latest AS
SELECT * FROM measurement WHERE NOT superseded;

-- Baseline of an experimentation (establishment x use case) for a KPI: all its reference rows.
CREATE VIEW experimentation_baseline AS
SELECT
    m.finess, m.use_case, m.domain, m.kpi,
    CASE WHEN any_value(k.kind) = 'rate' AND bool_and(m.denominator IS NOT NULL)
         THEN 100 * sum(m.numerator) / sum(m.denominator)
         ELSE avg(m.value) END AS baseline,
    sum(m.denominator) AS denominator,
    sum(m.n_patients) AS n_patients
FROM measurement_latest m JOIN kpi k ON k.code = m.kpi
WHERE m.phase = 'reference'
GROUP BY m.finess, m.use_case, m.domain, m.kpi;

-- Pilot value of an experimentation for a quarter: its pilot rows inside the quarter.
CREATE VIEW experimentation_pilot AS
SELECT
    m.quarter, m.finess, m.use_case, m.domain, m.kpi,
    CASE WHEN any_value(k.kind) = 'rate' AND bool_and(m.denominator IS NOT NULL)
         THEN 100 * sum(m.numerator) / sum(m.denominator)
         ELSE avg(m.value) END AS pilot,
    sum(m.numerator) AS numerator,
    sum(m.denominator) AS denominator,
    sum(m.n_patients) AS n_patients
FROM measurement_latest m JOIN kpi k ON k.code = m.kpi
WHERE m.phase = 'pilote'
GROUP BY m.quarter, m.finess, m.use_case, m.domain, m.kpi;

CREATE VIEW experimentation_change AS
SELECT
    p.quarter, p.finess, p.use_case, p.domain, p.kpi,
    b.baseline, p.pilot,
    p.pilot - b.baseline AS change,
    CASE WHEN b.baseline <> 0 THEN (p.pilot - b.baseline) / b.baseline END AS relative_change,
    CASE WHEN k.direction = 'lower_is_better' THEN p.pilot < b.baseline
         ELSE p.pilot > b.baseline END AS improved,
    p.numerator, p.denominator, p.n_patients
FROM experimentation_pilot p
JOIN kpi k ON k.code = p.kpi
LEFT JOIN experimentation_baseline b
  ON b.finess = p.finess AND b.use_case = p.use_case AND b.kpi = p.kpi;

-- The benchmark cell: one row per (quarter, use case, domain, KPI).
CREATE VIEW mart_kpi_quarter AS
SELECT
    c.quarter, c.use_case, c.domain, c.kpi,
    any_value(k.unit) AS unit,
    any_value(k.kind) AS kind,
    any_value(k.direction) AS direction,
    count(DISTINCT c.finess) AS n_establishments,
    count(*) AS n_experimentations,
    median(c.baseline) AS baseline_median,
    median(c.pilot) AS pilot_median,
    quantile_cont(c.pilot, 0.25) AS pilot_p25,
    quantile_cont(c.pilot, 0.75) AS pilot_p75,
    CASE WHEN any_value(k.kind) = 'rate' AND sum(c.denominator) > 0
         THEN 100 * sum(c.numerator) / sum(c.denominator) END AS pooled_rate,
    avg(CASE WHEN c.improved THEN 1.0 ELSE 0.0 END) FILTER (WHERE c.baseline IS NOT NULL)
        AS share_improved,
    coalesce(sum(c.n_patients), sum(c.denominator)) AS n_patients,
    any_value(k.threshold) AS threshold,
    CASE WHEN any_value(k.threshold) IS NULL THEN NULL
         WHEN any_value(k.direction) = 'lower_is_better'
         THEN median(c.pilot) <= any_value(k.threshold)
         ELSE median(c.pilot) >= any_value(k.threshold) END AS threshold_met
FROM experimentation_change c JOIN kpi k ON k.code = c.kpi
GROUP BY c.quarter, c.use_case, c.domain, c.kpi;
