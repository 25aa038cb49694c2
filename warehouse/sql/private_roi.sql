-- Each experimentation's own ROI over its pilot quarters up to a quarter (private reports only),
-- rounded to the published precision like private_values.sql.
SELECT
    finess, use_case,
    round(avoided, $decimals) AS avoided,
    round(revenue, $decimals) AS revenue,
    round(cost, $decimals) AS cost,
    round(roi, $decimals) AS roi,
    n_quarters
FROM experimentation_roi
WHERE quarter = $quarter
ORDER BY finess, use_case
