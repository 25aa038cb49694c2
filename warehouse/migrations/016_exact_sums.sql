-- Exact sums in the benchmark views (rules and columns of 009, ROI of 007; same names, same types).
-- DuckDB adds DOUBLEs in whatever order its threads meet the rows, so the last bits of a sum moved
-- between two runs of the same query; at the 10 significant digits of an edition's digests
-- (disclosure/cells.py::member_digests) some establishments then looked changed, and the next edition
-- held their cells « correction en attente » for nothing (39 of 816,000 digests on the national
-- bench warehouse). Here every sum of DOUBLEs adds the values as whole numbers of 1e-12 units,
-- CAST(round(x * 1e12) AS HUGEINT): integers add exactly, in any order, and the sum turns back into a
-- DOUBLE once. A mean is that exact sum over its count. The result depends on the values alone.
-- It is DECIMAL(38, 12) written by hand: DuckDB 1.5.5 casts a DECIMAL(38, _) to DOUBLE at ~1 µs a
-- value, which made cell_contributions 1.55x slower; a HUGEINT converts as fast as a BIGINT.
-- Range: a HUGEINT holds 1.7e38, i.e. 1.7e26 once scaled. The largest product, an amount
-- (≤ 50,000,000 €, kpis.yaml) times an effectif (an INTEGER, < 2.2e9), is about 1.1e17, and a sum
-- adds a few months or quarters of them. Scaling keeps a value within a relative 1e-16 (its own
-- precision as a DOUBLE), so only last bits change, once, when this migration is applied.
-- Values are finite (the intake's rules: no inf or nan), so the casts cannot fail.

CREATE OR REPLACE VIEW experimentation_quarter AS
WITH parts AS (
    SELECT
        finess, use_case, domain, kpi, phase, quarter,
        period = quarter AS is_quarterly,
        bool_and(numerator IS NOT NULL AND denominator IS NOT NULL) AS every_row_has_counts,
        CAST(sum(CAST(round(numerator * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS numerator,
        CAST(sum(CAST(round(denominator * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS denominator,
        CAST(sum(CAST(round(value * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS value_sum,
        CAST(sum(CAST(round(value * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 / count(value) AS value_mean,
        bool_and(n_patients IS NOT NULL) AS every_row_has_effectif,
        sum(n_patients) AS effectif,
        CAST(sum(CAST(round(value * 1e12) AS HUGEINT) * n_patients) AS DOUBLE) / 1e12 AS value_times_effectif,
        CAST(sum(CAST(round(coalesce(CAST(n_patients AS DOUBLE), denominator) * 1e12) AS HUGEINT))
             AS DOUBLE) / 1e12 AS patients,
        bool_and(coalesce(CAST(n_patients AS DOUBLE), denominator) IS NOT NULL) AS every_row_has_patients,
        count(*) AS n_rows
    FROM measurement_latest
    GROUP BY finess, use_case, domain, kpi, phase, quarter, is_quarterly
),
kinded AS (
    SELECT p.*, k.kind, k.kind = 'rate' AND p.every_row_has_counts AS has_counts
    FROM parts p JOIN kpi k ON k.code = p.kpi
)
SELECT
    finess, use_case, domain, kpi, phase, quarter, kind,
    CASE
        WHEN has_counts THEN 100 * numerator / denominator
        WHEN kind = 'amount_eur' THEN value_sum
        WHEN every_row_has_effectif AND effectif > 0 THEN value_times_effectif / effectif
        ELSE value_mean
    END AS value,
    CASE WHEN has_counts THEN numerator END AS numerator,
    CASE WHEN has_counts THEN denominator END AS denominator,
    CASE WHEN every_row_has_effectif THEN effectif END AS effectif,
    patients,
    CASE WHEN every_row_has_patients THEN patients END AS weight,
    n_rows
FROM kinded p
WHERE p.is_quarterly
   OR NOT EXISTS (
       SELECT 1 FROM measurement_latest q
       WHERE q.period = q.quarter
         AND q.finess = p.finess AND q.use_case = p.use_case AND q.kpi = p.kpi
         AND q.phase = p.phase AND q.quarter = p.quarter);

CREATE OR REPLACE VIEW experimentation_baseline AS
WITH pilot_quarters AS (
    SELECT DISTINCT quarter FROM measurement_latest WHERE phase = 'pilote'
),
reference_quarters AS (
    SELECT DISTINCT quarter FROM measurement_latest WHERE phase = 'reference'
),
known_by AS (
    SELECT p.quarter AS pilot_quarter, r.quarter AS reference_quarter
    FROM pilot_quarters p JOIN reference_quarters r ON r.quarter <= p.quarter
),
sums AS (
    SELECT
        k.pilot_quarter, r.finess, r.use_case, r.domain, r.kpi,
        bool_and(r.numerator IS NOT NULL) AS has_counts,
        bool_and(r.effectif IS NOT NULL) AS has_effectif,
        bool_and(r.weight IS NOT NULL) AS has_weight,
        CAST(sum(CAST(round(r.numerator * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS numerator,
        CAST(sum(CAST(round(r.denominator * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS denominator,
        sum(r.effectif) AS effectif,
        CAST(sum(CAST(round(r.value * 1e12) AS HUGEINT) * r.effectif) AS DOUBLE) / 1e12 AS value_times_effectif,
        CAST(sum(CAST(round(r.value * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 / count(r.value) AS value_mean,
        CAST(sum(CAST(round(r.patients * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS patients,
        CAST(sum(CAST(round(r.weight * 1e12) AS HUGEINT)) AS DOUBLE) / 1e12 AS weight,
        count(*) AS n_quarters
    FROM known_by k
    JOIN experimentation_quarter r ON r.phase = 'reference' AND r.quarter = k.reference_quarter
    GROUP BY k.pilot_quarter, r.finess, r.use_case, r.domain, r.kpi
)
SELECT
    pilot_quarter, finess, use_case, domain, kpi,
    CASE
        WHEN has_counts THEN 100 * numerator / denominator
        WHEN has_effectif AND effectif > 0 THEN value_times_effectif / effectif
        ELSE value_mean
    END AS baseline,
    patients,
    n_quarters,
    CASE WHEN has_counts THEN numerator END AS numerator,
    CASE WHEN has_counts THEN denominator END AS denominator,
    CASE WHEN has_weight THEN weight END AS weight
FROM sums;

CREATE OR REPLACE VIEW experimentation_roi AS
WITH pilot_quarters AS (
    SELECT DISTINCT quarter FROM measurement_latest WHERE phase = 'pilote'
),
so_far AS (
    SELECT p.quarter, e.quarter AS pilot_quarter
    FROM pilot_quarters p JOIN pilot_quarters e ON e.quarter <= p.quarter
),
amounts AS (
    SELECT
        s.quarter, e.finess, e.use_case,
        CAST(sum(CAST(round(e.value * 1e12) AS HUGEINT)) FILTER (WHERE e.kpi = 'ECO_DEPENSES_EVITEES')
             AS DOUBLE) / 1e12 AS avoided,
        coalesce(CAST(sum(CAST(round(e.value * 1e12) AS HUGEINT)) FILTER (WHERE e.kpi = 'ECO_RECETTES_NOUVELLES')
                      AS DOUBLE) / 1e12, 0) AS revenue,
        CAST(sum(CAST(round(e.value * 1e12) AS HUGEINT)) FILTER (WHERE e.kpi = 'ECO_COUT_SOLUTION')
             AS DOUBLE) / 1e12 AS cost,
        count(DISTINCT e.quarter) AS n_quarters
    FROM so_far s
    JOIN experimentation_quarter e ON e.phase = 'pilote' AND e.quarter = s.pilot_quarter
    WHERE e.kpi IN ('ECO_DEPENSES_EVITEES', 'ECO_RECETTES_NOUVELLES', 'ECO_COUT_SOLUTION')
    GROUP BY s.quarter, e.finess, e.use_case
)
SELECT *,
       CASE WHEN cost > 0 AND avoided IS NOT NULL THEN (avoided + revenue - cost) / cost END AS roi
FROM amounts;
