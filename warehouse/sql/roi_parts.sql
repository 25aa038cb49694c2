-- The euro amounts of each experimentation having a ROI in a quarter, per pilot quarter up to it (the
-- ROI sums them): the same values as the euro KPI cells of those quarters, for the joint audit.
SELECT e.use_case, e.finess, e.kpi, e.quarter AS pilot_quarter, e.value,
       least(k.min_value, 0) AS low, greatest(k.max_value, 0) AS high, r.roi > 0 AS positive
FROM experimentation_roi r
JOIN experimentation_quarter e
  ON e.finess = r.finess AND e.use_case = r.use_case AND e.phase = 'pilote' AND e.quarter <= r.quarter
JOIN kpi k ON k.code = e.kpi
WHERE r.quarter = $quarter AND r.roi IS NOT NULL
  AND e.kpi IN ('ECO_DEPENSES_EVITEES', 'ECO_RECETTES_NOUVELLES', 'ECO_COUT_SOLUTION')
  AND e.value IS NOT NULL
ORDER BY e.use_case, e.finess, e.kpi, e.quarter
