-- Each experimentation's own ROI over its pilot quarters up to a quarter (private reports only).
SELECT finess, use_case, avoided, revenue, cost, roi, n_quarters
FROM experimentation_roi
WHERE quarter = $quarter
ORDER BY finess, use_case
