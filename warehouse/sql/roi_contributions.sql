-- The experimentations behind the ROI table of one quarter: one row per (use case, establishment)
-- having a ROI, with its amounts over its pilot quarters up to the quarter.
SELECT r.use_case, coalesce(u.label, r.use_case) AS use_case_label, r.finess,
       r.avoided, r.revenue, r.cost, r.roi
FROM experimentation_roi r
LEFT JOIN use_case u ON u.code = r.use_case
WHERE r.quarter = $quarter AND r.roi IS NOT NULL
ORDER BY r.use_case, r.finess
