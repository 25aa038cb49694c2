-- The euro amounts of each experimentation having a ROI in a quarter, per pilot quarter up to it (the
-- ROI sums them): the same values as the euro KPI cells of those quarters, for the joint audit. The
-- quarter is a constant in both reads, so that DuckDB filters the quarters before aggregating them.
WITH roi AS (
    SELECT use_case, finess, roi > 0 AS positive
    FROM experimentation_roi
    WHERE quarter = $quarter AND roi IS NOT NULL
),
euros AS (
    SELECT use_case, finess, kpi, quarter, value
    FROM experimentation_quarter
    WHERE phase = 'pilote' AND quarter <= $quarter AND value IS NOT NULL
      AND kpi IN ('ECO_DEPENSES_EVITEES', 'ECO_RECETTES_NOUVELLES', 'ECO_COUT_SOLUTION')
)
SELECT e.use_case, e.finess, e.kpi, e.quarter AS pilot_quarter, e.value,
       least(k.min_value, 0) AS low, greatest(k.max_value, 0) AS high, r.positive
FROM roi r
JOIN euros e ON e.finess = r.finess AND e.use_case = r.use_case
JOIN kpi k ON k.code = e.kpi
ORDER BY e.use_case, e.finess, e.kpi, e.quarter
